"""Browser tests: the web UI driven through Debian's Chromium with Playwright."""
