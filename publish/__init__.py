"""What Nahbar hands out beyond chat messages, shared by the chat, the web face and the
command line: calendar files and feeds (`calendar.py`), the printed notice (`notice.py`), and
the public addresses and deep links they point to (`links.py`)."""
