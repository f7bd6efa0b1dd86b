def test_login_and_pages(client, org):
    response = client.login(org.mgr.email)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    for path in ["/", "/me", "/people", f"/people/{org.emp.id}", "/ladders",
                 f"/ladders/{org.ladder_a.id}", "/account/password"]:
        response = client.get(path)
        assert response.status_code == 200, (path, response.get_data(as_text=True)[:3000])
