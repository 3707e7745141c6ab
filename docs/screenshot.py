"""Refresh docs/widget.png, the README's screenshot of the chat page.

Starts the real servers, asks two questions in Debian's headless Chromium and saves the page.
Run from the project root: ``.venv/bin/python docs/screenshot.py`` (after ``make setup``).
"""
from __future__ import annotations

import os
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from sites.patients.page import serve_in_background
from tools.servers import free_port, running_assistant

OUT = Path(__file__).with_name("widget.png")


def main() -> None:
    web_port = free_port()
    os.environ["BOT_WEB_ORIGINS"] = f"http://127.0.0.1:{web_port}"
    with running_assistant() as assistant, sync_playwright() as playwright:
        server = serve_in_background(web_port, chat_server=assistant.url)
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 900, "height": 1300})
        page.goto(f"http://127.0.0.1:{web_port}/")
        for question in ("my mum has been offered denosumab, what is it?", "hmm"):
            count = page.locator("#chat-log .msg-bot").count()
            page.fill("#chat-input", question)
            page.press("#chat-input", "Enter")
            page.locator("#chat-log .msg-bot").nth(count).wait_for(timeout=30_000)
            time.sleep(1.5)
        page.screenshot(path=str(OUT), full_page=True)
        browser.close()
        server.close()
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
