"""Friendly error pages and the health check."""

from orgladder import create_app


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "There is nothing here" in response.get_data(as_text=True)


def test_wrong_method_is_405(client):
    assert client.post("/healthz").status_code in (400, 405)  # CSRF check may answer first
    assert client.delete("/login").status_code == 405


def test_huge_ids_are_404_not_500(client, org):
    client.login(org.hr.email)
    for path in ["/people/99999999999999999999", "/ladders/2147483648", "/people/0"]:
        assert client.get(path).status_code == 404


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": "off"}


def test_database_down_gives_503_pages(tmp_path):
    broken = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing-dir/nope.db"})
    client = broken.test_client()
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["database"] == "down"
    assert client.get("/login").status_code == 200  # the sign-in form needs no database
    with client.session_transaction() as session:
        session["_user_id"] = "a-session-token"  # a signed-in browser: loading it needs the DB
    response = client.get("/")
    assert response.status_code == 503
    assert "cannot reach its database" in response.get_data(as_text=True)
