"""The Matrix adapter's translation, offline: events in, replies out, settings."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from bot.matrix.convert import incoming, parse_geo_uri, server_of
from bot.matrix.render import Upload, plain, render
from bot.settings import Settings
from handlers.choices import numbered
from handlers.messages import Attachment, Button, Reply, Venue

ROOM, ALICE = "!dm:example.org", "@alice:example.org"


def msg(content: dict, group: bool = False):
    return incoming(content, sender=ALICE, room_id=ROOM, group=group)


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("geo:51.05,11.97", (51.05, 11.97)),
        ("geo:51.8365,10.7822;u=35", (51.8365, 10.7822)),
        ("geo:-33.9,151.2,12.5", (-33.9, 151.2)),
        ("GEO:52,11", (52.0, 11.0)),
    ],
)
def test_geo_uris_are_read(uri, expected):
    assert parse_geo_uri(uri) == expected


@pytest.mark.parametrize(
    "uri",
    [
        "geo:91,10",
        "geo:51,181",
        "geo:51",
        "51.0,11.0",
        "geo:a,b",
        "geo:1e3,5",
        None,
        42,
        "geo:51.0,11.0\nevil",
    ],
)
def test_malformed_geo_uris_are_refused(uri):
    assert parse_geo_uri(uri) is None


def test_text_location_and_commands_become_incoming_messages():
    text = msg({"msgtype": "m.text", "body": "Wernigerode"})
    assert (text.platform, text.user_id, text.chat_id, text.text) == (
        "matrix",
        ALICE,
        ROOM,
        "Wernigerode",
    )
    assert text.chat == "matrix:!dm:example.org"
    assert msg({"msgtype": "m.text", "body": "!angebote"}).text == "!angebote"
    located = msg({"msgtype": "m.location", "body": "Standort", "geo_uri": "geo:51.8,10.7"})
    assert located.location == (51.8, 10.7) and located.text is None
    # A broken location or a picture: the core answers with help rather than silence.
    assert msg({"msgtype": "m.location", "body": "x", "geo_uri": "geo:999,1"}).text == ""
    assert msg({"msgtype": "m.image", "body": "foto.jpg", "url": "mxc://x/y"}).text == ""
    assert msg({"msgtype": "m.text", "body": "Halle"}, group=True).group


def test_notices_and_edits_are_not_answered():
    assert msg({"msgtype": "m.notice", "body": "Wernigerode"}) is None
    assert (
        msg(
            {
                "msgtype": "m.text",
                "body": "* Halle",
                "m.relates_to": {"rel_type": "m.replace", "event_id": "$1"},
            }
        )
        is None
    )
    assert msg("not a dict") is None  # type: ignore[arg-type]


def test_a_reply_is_read_without_the_quoted_message():
    body = "> <@nahbar:example.org> Treffen bei Wernigerode\n> 1. Café\n\n2"
    assert msg({"msgtype": "m.text", "body": body}).text == "2"


def test_server_of_a_user_id():
    assert server_of("@alice:Example.ORG") == "example.org"
    assert server_of("@bob:matrix.example.de:8448") == "matrix.example.de:8448"


def test_replies_are_notices_with_html_and_a_plain_body():
    [content] = render(
        [Reply(Markup('<b>Café</b> &amp; Kuchen\n<a href="https://x.example/">Karte</a>'))]
    )
    assert content["msgtype"] == "m.notice"
    assert content["format"] == "org.matrix.custom.html"
    assert (
        content["formatted_body"]
        == '<b>Café</b> &amp; Kuchen<br><a href="https://x.example/">Karte</a>'
    )
    assert content["body"] == "Café & Kuchen\nKarte (https://x.example/)"
    assert plain('<a href="https://a.example">https://a.example</a>') == "https://a.example"


def test_choices_carry_the_numbers_the_core_stored():
    offers = (
        (Button("6. ☕ Adventscafé <Pfarrhaus>", "o:6"),),
        (Button("7. 🚶 Spaziergang", "o:7"),),
        (Button("Heute", "w:0"), Button("14 Tage", "w:14")),
    )
    keyboard = (
        (Button("📍 Standort senden", kind="location"),),
        (Button("❓ Hilfe", kind="text"),),
    )
    replies = [Reply("Treffen bei Wernigerode", buttons=offers, keyboard=keyboard)]
    [content] = render(replies)
    expected = {n: b.label for n, b in numbered(replies)}
    assert expected == {
        6: "6. ☕ Adventscafé <Pfarrhaus>",
        7: "7. 🚶 Spaziergang",
        8: "Heute",
        9: "14 Tage",
        10: "❓ Hilfe",
    }
    lines = content["formatted_body"].split("<br>")
    assert "<b>6</b> ☕ Adventscafé &lt;Pfarrhaus&gt;" in lines  # labels are plain text: escaped
    assert "<b>8</b> Heute · <b>9</b> 14 Tage" in lines
    assert "<b>10</b> ❓ Hilfe" in lines
    assert "Standort" not in content["body"]  # Matrix clients share locations themselves
    assert "6 ☕ Adventscafé <Pfarrhaus>" in content["body"]


def test_numbers_run_across_all_replies_of_a_turn():
    replies = [
        Reply("a", buttons=((Button("Ja", "y"),),)),
        Reply("b", buttons=((Button("Nein", "n"),),)),
    ]
    first, second = render(replies)
    assert "<b>1</b> Ja" in first["formatted_body"] and "<b>2</b> Nein" in second["formatted_body"]


def test_files_venues_and_no_pop_up_lines():
    ics = Attachment("nahbar-3.ics", b"BEGIN:VCALENDAR", "text/calendar")
    out = render(
        [
            Reply("📅 Für Ihren Kalender", attachment=ics),
            Reply("Hier:", venue=Venue(51.8, 10.7, "Pfarrhaus", "Kirchstraße 1")),
            Reply("Erledigt", notice="Gespeichert &amp; gut"),
        ]
    )
    assert out[0] == Upload(ics)
    assert out[1]["body"] == "📅 Für Ihren Kalender"
    assert out[2] == {
        "msgtype": "m.location",
        "body": "Pfarrhaus, Kirchstraße 1",
        "geo_uri": "geo:51.800000,10.700000",
    }
    # The pop-up Telegram shows for a button press is no line of its own here: the text says it.
    assert out[4]["body"] == "Erledigt" and "Gespeichert" not in out[4]["formatted_body"]


def _settings(**env) -> Settings:
    return Settings(_env_file=None, **env)


def test_matrix_settings():
    assert not _settings().has_matrix
    s = _settings(
        MATRIX_HOMESERVER="https://matrix.example.org/",
        MATRIX_USER_ID="@nahbar:example.org",
        MATRIX_ACCESS_TOKEN="syt_abc",
        MATRIX_ALLOWED_SERVERS="Example.org, schule.example.de,",
    )
    assert s.has_matrix and s.matrix_homeserver == "https://matrix.example.org"
    assert s.matrix_allowed_servers == ("example.org", "schule.example.de")
    assert str(s.matrix_store_path) == "var/matrix"


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        (
            {"MATRIX_HOMESERVER": "https://m.example.org", "MATRIX_PASSWORD": "hunter2"},
            "also set MATRIX_USER_ID",
        ),
        (
            {
                "MATRIX_HOMESERVER": "matrix.example.org",
                "MATRIX_USER_ID": "@a:b.org",
                "MATRIX_PASSWORD": "hunter2",
            },
            "MATRIX_HOMESERVER must be a URL",
        ),
        (
            {
                "MATRIX_HOMESERVER": "https://m.example.org",
                "MATRIX_USER_ID": "nahbar",
                "MATRIX_PASSWORD": "hunter2",
            },
            "MATRIX_USER_ID must look like",
        ),
        ({"MATRIX_ALLOWED_SERVERS": "example.org; evil"}, "MATRIX_ALLOWED_SERVERS"),
    ],
)
def test_bad_matrix_settings_are_explained_without_the_password(
    env, complaint, monkeypatch, capsys, tmp_path
):
    from bot.cli import main

    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["run"]) == 2
    stderr = capsys.readouterr().err
    assert complaint in stderr and "hunter2" not in stderr


def test_what_in_a_group_room_is_meant_for_the_bot():
    from bot.matrix.convert import creators_of, creators_rule, for_the_bot, without_mention

    bot = "@nahbar:example.org"

    def meant(content: dict):
        return for_the_bot(
            content, bot_id=bot, bot_name="Nahbar", sent_by_bot=lambda e: e == "$mine"
        )

    reply = {"m.relates_to": {"m.in_reply_to": {"event_id": "$mine"}}}
    assert meant({"msgtype": "m.text", "body": "!wochenpost Thale"})
    assert meant({"msgtype": "m.text", "body": "/hilfe"})
    assert meant({"msgtype": "m.text", "body": "schau mal", "m.mentions": {"user_ids": [bot]}})
    assert meant({"msgtype": "m.text", "body": "Nahbar: Thale"})  # older clients: the name first
    assert meant(
        {
            "msgtype": "m.text",
            "body": "Thale",
            "formatted_body": f'<a href="https://matrix.to/#/{bot}">N</a>',
        }
    )
    assert meant({"msgtype": "m.text", "body": "3", **reply})
    assert meant(
        {"msgtype": "m.text", "body": f"> <{bot}> Welche Nummer?\n\n3"}
    )  # a reply fallback
    assert (
        meant(
            {
                "msgtype": "m.text",
                "body": "3",
                "m.relates_to": {"m.in_reply_to": {"event_id": "$x"}},
            }
        )
        is None
    )
    for chatter in (
        "Hallo zusammen",
        "Nahbarschaft ist schön",
        "Thale",
        "@anna:example.org komm mit",
    ):
        assert meant({"msgtype": "m.text", "body": chatter}) is False, chatter
    assert (
        meant(
            {"msgtype": "m.text", "body": "hi", "m.mentions": {"user_ids": ["@anna:example.org"]}}
        )
        is False
    )
    assert (
        without_mention({"body": "Nahbar: Thale"}, bot_id=bot, bot_name="Nahbar")["body"] == "Thale"
    )
    assert (
        without_mention({"body": f"{bot} Thale"}, bot_id=bot, bot_name="Nahbar")["body"] == "Thale"
    )
    assert without_mention({"body": "Thale"}, bot_id=bot, bot_name="Nahbar")["body"] == "Thale"

    assert creators_rule("12") and creators_rule("org.matrix.hydra.11") and not creators_rule("11")
    assert not creators_rule("org.matrix.msc3757.11")
    state = [
        {"type": "m.room.name", "sender": "@x:e.org", "content": {}},
        {
            "type": "m.room.create",
            "sender": "@anna:e.org",
            "content": {"additional_creators": ["@ben:e.org", 5]},
        },
    ]
    assert creators_of(state) == {"@anna:e.org", "@ben:e.org"}
