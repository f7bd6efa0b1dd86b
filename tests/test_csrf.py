"""With CSRF protection on (as in production), every form endpoint refuses a submission that
lacks the token, and the refused submission changes nothing."""

from __future__ import annotations

import pytest

from .test_audit_coverage import last_event_id, send
from .write_examples import WRITE_EXAMPLES


def test_csrf_protection_is_on(app):
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    assert app.extensions["csrf"] is not None


@pytest.mark.parametrize("endpoint", sorted(WRITE_EXAMPLES))
@pytest.mark.parametrize("token", ["missing", "forged"])
def test_a_form_without_its_token_is_refused(client, org, endpoint, token):
    example = WRITE_EXAMPLES[endpoint]
    _, path, real = send(client, org, example)
    data = example.data(org)
    if token == "forged":
        data["csrf_token"] = real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB")
    before = last_event_id()
    response = client.post(path, data=data,
                           content_type="multipart/form-data" if example.files else None)
    assert response.status_code == 400
    assert "The form expired or was sent from elsewhere" in response.get_data(as_text=True)
    assert last_event_id() == before  # nothing was written, not even an audit event
