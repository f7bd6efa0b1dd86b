"""The API keeps the studio's rule: a scoped HR reads drafts and versions, and changes no
ladder."""

from __future__ import annotations

from ..test_ladder_editors import scoped_hr


def test_scoped_hr_reads_drafts_in_the_api_and_edits_none(api, org):
    partner = scoped_hr(org)
    ladder = org.ladder_a
    as_partner = api(partner)
    response = as_partner.get(f"/api/v1/ladders/{ladder.id}?view=draft")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert as_partner.get(f"/api/v1/ladders/{ladder.id}/versions").status_code == 200
    assert as_partner.post(f"/api/v1/ladders/{ladder.id}/publish",
                           json={"summary": "Mine"}).status_code == 403
    assert as_partner.post("/api/v1/ladders", json={"name": "Hers", "source": "empty"}
                           ).status_code == 403
