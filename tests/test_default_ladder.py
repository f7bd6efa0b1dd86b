"""The default Product Management ladder keeps the facts every new company starts from."""

from orgladder.ladders.template import default_ladder_data

EXPECTED = {
    "ic": [("P1", "Associate Product Manager", 0, 2), ("P2", "Product Manager", 2, 5),
           ("P3", "Senior Product Manager", 5, 8), ("P4", "Principal Product Manager", 8, 12)],
    "management": [("M4", "Group Product Manager", 8, 12),
                   ("M5", "Director of Product Management", 12, None),
                   ("M6", "VP of Product", 15, None), ("M7", "Chief Product Officer", 15, None)],
}
COMPETENCIES = ["communication", "analytical_thinking", "customer_empathy", "leadership",
                "strategic_thinking", "technical_acumen", "execution"]


def test_tracks_levels_and_years():
    data = default_ladder_data()
    assert data["name"] == "Product Management"
    for track in data["tracks"]:
        assert [(lv["code"], lv["title"], lv["min_years"], lv["max_years"])
                for lv in track["levels"]] == EXPECTED[track["kind"]]


def test_equal_numbers_are_equivalent_levels():
    data = default_ladder_data()
    for track in data["tracks"]:
        for level in track["levels"]:
            assert level["grade"] == int(level["code"][1:])


def test_every_level_has_every_competency_and_its_own_words():
    data = default_ladder_data()
    assert [c["key"] for c in data["competencies"]] == COMPETENCIES
    texts = []
    for track in data["tracks"]:
        for level in track["levels"]:
            assert list(level["expectations"]) == COMPETENCIES
            assert level["summary"] and level["responsibilities"] and level["skills"]
            texts.extend(level["expectations"].values())
    assert len(texts) == len(set(texts)) == 56


def test_copies_are_independent():
    first = default_ladder_data()
    first["name"] = "Changed"
    assert default_ladder_data()["name"] == "Product Management"
