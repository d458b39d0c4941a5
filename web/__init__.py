"""The web face: one more door of the same process (an aiohttp server in the bot's event loop).

Read-only public pages for people who are not in a chat — a search form, a page per place and
per offer, calendar and RSS feeds, an embed for municipal websites, the printable notice — all
read through the same models/ functions the chat uses. `app.py` registers every route in one
place; `server.py` starts it next to the bot.
"""
