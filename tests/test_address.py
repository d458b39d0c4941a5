"""Venue, street and town read from what organisers write, in any order (handlers.address)."""

from __future__ import annotations

import pytest

from handlers.address import find_address


@pytest.mark.parametrize(
    ("text", "venue", "street", "town"),
    [
        ("im Pfarrhaus Blasiistr. 11 in Quedlinburg", "Pfarrhaus", "Blasiistr. 11", "Quedlinburg"),
        ("Pfarrhaus Blasiistr. 11 Quedlinburg", "Pfarrhaus", "Blasiistr. 11", "Quedlinburg"),
        (
            "Kirchstraße 3, 06484 Quedlinburg, Gemeindehaus",
            "Gemeindehaus",
            "Kirchstraße 3",
            "Quedlinburg",
        ),
        (
            "Pfarrhaus, Kirchstraße 3, 06484 Quedlinburg",
            "Pfarrhaus",
            "Kirchstraße 3",
            "Quedlinburg",
        ),
        ("Gemeindehaus am Markt 1, Thale", "Gemeindehaus", "am Markt 1", "Thale"),
        (
            "Evangelisches Gemeindehaus, Lange Straße 5, Wernigerode",
            "Evangelisches Gemeindehaus",
            "Lange Straße 5",
            "Wernigerode",
        ),
        ("Thale, Straße der Einheit 2, Bürgerhaus", "Bürgerhaus", "Straße der Einheit 2", "Thale"),
        ("Dorfgemeinschaftshaus Ditfurt", "Dorfgemeinschaftshaus", "", "Ditfurt"),
        ("Quedlinburg", "", "", "Quedlinburg"),
    ],
)
def test_an_answer_to_where(places, text, venue, street, town):
    found = find_address(text, places, town_alone=True)
    assert (found.venue, found.street, found.town) == (venue, street, town)


def test_the_address_inside_a_whole_offer_and_nothing_else():
    from places import Gazetteer

    places = Gazetteer.load()
    text = (
        "Warme Stube jeden Dienstag und Donnerstag 14-17 Uhr im Gemeindehaus, Kirchstraße 3, "
        "06484 Quedlinburg, kostenlos, rollstuhlgerecht"
    )
    found = find_address(text, places)
    assert (found.venue, found.street, found.town) == (
        "Gemeindehaus",
        "Kirchstraße 3",
        "Quedlinburg",
    )
    assert text[found.start : found.end] == "im Gemeindehaus, Kirchstraße 3, 06484 Quedlinburg"
    assert find_address("ach nein, ich meinte donnerstags", places, town_alone=True) is None
    assert find_address("Adventscafé im Pfarrhaus", places) is None  # no town: not an address
