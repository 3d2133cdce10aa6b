import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def other_site():
    """A second origin on loopback, serving one page that frames the given URLs."""
    frames = []

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):
            body = "".join(
                f'<iframe id="frame-{n}" src="{url}"></iframe>' for n, url in enumerate(frames)
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def framing(*urls):
        frames[:] = urls
        return f"http://127.0.0.1:{server.server_port}/"

    yield framing
    server.shutdown()
    server.server_close()


def test_another_site_can_frame_the_timeline_widget_but_not_the_story_page(
    live_server, page, other_site
):
    story = factories.story(title="Test framed story")
    factories.statement(story, quote="A framed test quote.")

    page.goto(
        other_site(
            f"{live_server.url}/embed/stories/{story.slug}/timeline/",
            f"{live_server.url}/stories/{story.slug}/",
        )
    )

    widget = page.frame_locator("#frame-0")
    expect(widget.get_by_text("A framed test quote.")).to_be_visible()
    expect(widget.get_by_role("link", name="Test framed story")).to_be_visible()
    # The parent's load event waited for both frames; the browser refused to render the page.
    story_frame = page.locator("#frame-1").element_handle().content_frame()
    assert not story_frame.url.startswith(live_server.url)
    assert "Test framed story" not in story_frame.content()


def test_api_docs_work_under_the_sites_content_security_policy(live_server, page):
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text and "script" in message.text
            else None
        ),
    )

    page.goto(f"{live_server.url}/api/docs")

    expect(page.get_by_text("Story dashboard API").first).to_be_visible()
    expect(page.get_by_text("/api/stories/{slug}/timeline/")).to_be_visible()
    assert violations == []
