"""A real browser on the web chat page of a real ``bentoml serve`` of the bundled ``bank_en`` skill.

Headless Debian ``chromium`` driven by Selenium (told where ``chromedriver`` is, so it downloads
nothing). The server has an API token: the page asks for it, a wrong one is refused, then one flow
(check_balance) is completed by typing and clicking a quick reply, the debug drawer is read, markup
and script are sent and must show as text, and the session is reset. The screenshot is kept in
``test-artifacts/webchat.png`` (git-ignored).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from serving_support import API, Server

pytestmark = pytest.mark.slow

selenium = pytest.importorskip("selenium", reason="selenium is not installed (pip install -e '.[dev]')")

from browser_support import ARTIFACTS, chromium, wait_js  # noqa: E402
from selenium.common.exceptions import NoAlertPresentException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402

MARKUP = '<img src=x onerror=alert(1)><script>document.title="pwned"</script><b>bold?</b>'
AUTH = {"Authorization": f"Bearer {API}"}


@pytest.fixture(scope="module")
def bank_tag() -> str:
    """A ``bank_en`` model (fast mode) in the test BentoML store."""
    from skills_core.nlu.train import config_for
    from skills_core.runtime.skills import open_skill, train_and_store

    skill = open_skill("bank_en")
    _, _, tag = train_and_store(skill, config=config_for(skill, mode="fast", progress=False))
    return tag


@pytest.fixture(scope="module")
def server(bank_tag: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = {
        "SKILLS_SKILL": "bank_en",
        "SKILLS_MODEL": bank_tag,
        "SKILLS_API_TOKEN": API,
        "SKILLS_TORCH_THREADS": "1",
        "SKILLS_LOG_LEVEL": "INFO",
    }
    models = Path(os.environ["BENTOML_HOME"]) / "models"
    server = Server(env, tmp_path_factory.mktemp("webchat-server"), models=models).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    with chromium(tmp_path / "chromium-profile", window="1280,900") as driver:
        yield driver


def _wait(driver: WebDriver, what: str, condition: str, *, timeout: float = 60) -> Any:
    return wait_js(driver, what, condition, timeout=timeout, screenshot="webchat_failure.png")


MESSAGES = """[...document.querySelectorAll('#messages .msg')].map(m => ({
  role: [...m.classList].find(c => c !== 'msg' && c !== 'failed'),
  text: m.querySelector('.bubble').textContent,
  buttons: [...m.querySelectorAll('.quick button')].map(b => b.textContent),
}))"""
NEWEST_TURN = """(() => {
  const t = document.querySelector('#turns .turn');
  if (!t) return null;
  const fields = {};
  for (const dd of t.querySelectorAll('dd')) fields[dd.dataset.field] = dd.textContent;
  return {turn: Number(t.dataset.turn), intent: t.dataset.intent, confidence: Number(t.dataset.confidence),
          activeFlow: t.dataset.activeFlow, slots: JSON.parse(t.dataset.slots),
          slotsSet: JSON.parse(t.dataset.slotsSet), fields};
})()"""


def _messages(driver: WebDriver) -> list[dict[str, Any]]:
    return list(driver.execute_script(f"return {MESSAGES}"))


def _bot_after(driver: WebDriver, count: int) -> list[dict[str, Any]]:
    """Wait for bot messages after the first ``count`` messages; return those new messages."""
    _wait(
        driver,
        "the bot's reply",
        f"{MESSAGES}.slice({count}).some(m => m.role === 'bot') && !document.querySelector('#send').disabled",
    )
    return _messages(driver)[count:]


def _say(driver: WebDriver, text: str) -> list[dict[str, Any]]:
    count = len(_messages(driver))
    box = driver.find_element(By.ID, "text")
    box.send_keys(text, Keys.ENTER)
    return _bot_after(driver, count)


def _no_alert(driver: WebDriver) -> None:
    try:
        alert = driver.switch_to.alert
    except NoAlertPresentException:
        return
    text = alert.text
    alert.dismiss()
    raise AssertionError(f"an alert fired: {text!r}")


def test_chat_page_in_a_real_browser(server: Server, browser: WebDriver) -> None:
    browser.get(f"{server.url}/ui/")
    _wait(browser, "the page to start", "document.body.dataset.ready === '1'")

    # the server has a token: the page asks for it, and refuses to chat until it has one
    assert browser.find_element(By.ID, "token-form").is_displayed()
    assert not browser.find_element(By.ID, "text").is_enabled()
    token = browser.find_element(By.ID, "token")
    token.send_keys("not-the-token", Keys.ENTER)
    _wait(
        browser, "the wrong token to be refused", "document.querySelector('#error').dataset.status === '401'"
    )
    assert browser.find_element(By.ID, "token-form").is_displayed()
    assert browser.execute_script("return sessionStorage.length") == 0
    browser.find_element(By.ID, "token").send_keys(API, Keys.ENTER)
    _wait(browser, "the token to be accepted", "document.querySelector('#token-form').hidden")
    assert not browser.find_element(By.ID, "error").is_displayed()
    session_id = browser.find_element(By.ID, "session-id").text
    assert session_id.startswith("web-")

    # one flow: typed, then a quick reply clicked
    (question,) = _say(browser, "what is my balance")[1:]
    assert question["role"] == "bot" and question["buttons"] == ["Checking", "Savings", "Credit"], question
    first = browser.execute_script(f"return {NEWEST_TURN}")
    assert first["intent"] == "check_balance" and first["activeFlow"] == "check_balance", first
    assert first["fields"]["intent"].startswith("check_balance (") and 0 < first["confidence"] <= 1
    assert first["fields"]["active flow"] == "check_balance"
    # the text analysis of the turn: language and the skill's sentiment analyser
    assert first["fields"]["language"].startswith("en (") and "sentiment" in first["fields"], first

    count = len(_messages(browser))
    browser.find_element(By.XPATH, "//div[@class='quick']/button[text()='Savings']").click()
    new = _bot_after(browser, count)
    assert new[0] == {"role": "user", "text": "Savings", "buttons": []}
    answer = " ".join(m["text"] for m in new[1:])
    second = browser.execute_script(f"return {NEWEST_TURN}")
    assert "savings account" in answer.lower() and str(second["slots"]["balance"]) in answer, new
    assert second["turn"] == first["turn"] + 1
    # the flow is done, and cleared the slot it collected; the drawer shows what this turn set
    assert second["activeFlow"] == "" and second["fields"]["active flow"] == "none", second
    assert "completed check_balance" in second["fields"]["flows"]
    assert second["slotsSet"]["balance_account"] == "savings", second
    assert "balance_account = savings" in second["fields"]["set this turn"]
    assert f"balance = {second['slots']['balance']}" in second["fields"]["slots"]
    assert not browser.find_elements(By.CSS_SELECTOR, "#messages .quick")  # old quick replies retired

    # markup and script are shown as text, nothing is created, nothing runs
    sent = _say(browser, MARKUP)
    assert sent[0] == {"role": "user", "text": MARKUP, "buttons": []}
    assert browser.execute_script(f"return {NEWEST_TURN}")["fields"]["intent"]
    created = (
        "document.querySelectorAll('#messages img, #messages script, #messages b, #turns img, #turns b')"
    )
    assert browser.execute_script(f"return {created}.length") == 0
    assert browser.title == "Skills chat"
    _no_alert(browser)
    raw = browser.execute_script("return document.querySelector('#turns .turn pre').textContent")
    assert json.loads(raw)["text"] == MARKUP

    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "webchat.png"))
    assert (ARTIFACTS / "webchat.png").stat().st_size > 10_000

    # reset: the server forgets the session, the page starts a new one
    stored = httpx.get(f"{server.url}/sessions/{session_id}", headers=AUTH, timeout=30)
    assert stored.status_code == 200 and stored.json()
    browser.find_element(By.ID, "reset").click()
    _wait(browser, "a new session", f"document.querySelector('#session-id').textContent !== '{session_id}'")
    assert browser.execute_script("return document.querySelectorAll('#turns .turn').length") == 0
    assert [m["role"] for m in _messages(browser)] == ["system"]
    assert httpx.get(f"{server.url}/sessions/{session_id}", headers=AUTH, timeout=30).status_code == 404
    assert not browser.find_element(By.ID, "error").is_displayed()


def test_page_and_api_over_http(server: Server) -> None:
    page = httpx.get(f"{server.url}/ui/", timeout=30)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert httpx.get(f"{server.url}/ui/config.json", timeout=30).json()["token_required"] is True
    refused = httpx.post(f"{server.url}/chat", json={"session_id": "x", "text": "hi"}, timeout=30)
    assert refused.status_code == 401
