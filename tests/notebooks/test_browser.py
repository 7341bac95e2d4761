"""A real browser: JupyterLab on a loopback port, the intent-debugging notebook run in headless Chromium.

The test types an utterance into the debugger widget and reads the ranking the page shows. A
screenshot is kept in ``test-artifacts/`` (git-ignored). Needs Debian's ``chromium`` and
``chromium-driver`` (Selenium is told where they are, so it downloads nothing).
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from browser_support import ARTIFACTS, chromium, wait_js
from nb_support import NOTEBOOKS, notebook_env
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

NOTEBOOK = "02_intent_debugging.ipynb"
UTTERANCE = "send 20 dollars to Anna"  # the notebook shows another one first
TINY_INTENTS = {"check_balance", "goodbye", "greet", "transfer_money"}


@dataclass(frozen=True)
class Lab:
    url: str
    token: str
    process: subprocess.Popen[bytes]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _api(lab: Lab, path: str, *, method: str = "GET") -> bytes:
    request = urllib.request.Request(f"{lab.url}{path}", method=method)
    request.add_header("Authorization", f"token {lab.token}")
    with urllib.request.urlopen(request, timeout=10) as response:  # loopback only
        return bytes(response.read())


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    """JupyterLab on 127.0.0.1 serving a copy of the notebook, isolated from the user's Jupyter setup."""
    root = tmp_path / "lab"
    root.mkdir()
    shutil.copy(NOTEBOOKS / NOTEBOOK, root / NOTEBOOK)
    config = tmp_path / "jupyter-config"
    (config / "labconfig").mkdir(parents=True)
    # no "news" announcement pop-up over the notebook
    disabled = {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}
    (config / "labconfig" / "page_config.json").write_text(json.dumps(disabled))
    env = notebook_env(tmp_path / "bentoml")
    env.update(
        {
            "JUPYTER_CONFIG_DIR": str(config),
            "JUPYTER_DATA_DIR": str(tmp_path / "jupyter-data"),
            "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime"),
        }
    )
    port, token = _free_port(), "skills-browser-test"
    log = (tmp_path / "lab.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ServerApp.terminals_enabled=False",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
            "--LabApp.expose_app_in_browser=True",
            f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
            f"--LabApp.user_settings_dir={tmp_path / 'settings'}",
        ],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    lab = Lab(f"http://127.0.0.1:{port}", token, process)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                _api(lab, "/api/status")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail(f"JupyterLab did not start:\n{(tmp_path / 'lab.log').read_text()[-3000:]}")
                time.sleep(0.5)
        yield lab
    finally:
        try:
            _api(lab, "/api/shutdown", method="POST")  # stops the kernels too
            process.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            process.terminate()
            process.wait(timeout=30)
        log.close()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    with chromium(tmp_path / "chromium-profile", window="1400,1100") as driver:
        yield driver


def _wait(driver: WebDriver, what: str, condition: str, *, timeout: float) -> object:
    return wait_js(driver, what, condition, timeout=timeout, screenshot="intent_debugging_failure.png")


CELLS = """
    const panel = window.jupyterapp.shell.currentWidget;
    const cells = panel.content.model.cells;
    const errors = [];
    let pending = 0;
    for (let i = 0; i < cells.length; i++) {
      const cell = cells.get(i);
      if (cell.type !== 'code') continue;
      if (cell.executionCount === null) pending += 1;
      for (const out of cell.outputs.toJSON()) {
        if (out.output_type === 'error') errors.push(`${out.ename}: ${out.evalue}`);
      }
    }
    const idle = panel.sessionContext.session?.kernel?.status === 'idle';
    return {done: (pending === 0 && idle) || errors.length > 0, errors};
"""
"""Whether every code cell has run (the kernel idle again), and the errors any cell raised."""

RANKING = """
    const view = document.querySelector('.wb-intent-debugger .wb-intent-view');
    if (!view) return null;
    return {
      text: view.querySelector('.wb-text').dataset.text,
      bars: [...view.querySelectorAll('.wb-bar')].map(b => [b.dataset.intent, parseFloat(b.dataset.confidence)]),
      decision: view.querySelector('.wb-decision').dataset.intent,
      entities: [...view.querySelectorAll('mark.wb-entity')].map(m => m.dataset.entity),
    };
"""


@pytest.mark.slow
def test_intent_debugger_in_a_real_browser(lab: Lab, browser: WebDriver) -> None:
    browser.get(f"{lab.url}/lab/tree/{NOTEBOOK}?token={lab.token}&reset")
    _wait(
        browser,
        "JupyterLab to load",
        "window.jupyterapp && document.querySelector('.jp-Notebook')",
        timeout=120,
    )
    _wait(
        browser,
        "the kernel to start",
        "window.jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel?.status === 'idle'",
        timeout=120,
    )
    browser.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    _wait(browser, "the notebook to run", f"(() => {{ {CELLS} }})().done", timeout=420)
    errors = browser.execute_script(f"return (() => {{ {CELLS} }})().errors")
    assert not errors, errors

    box = browser.find_element(By.CSS_SELECTOR, ".wb-intent-debugger input[type='text']")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
    box.clear()
    box.send_keys(UTTERANCE, Keys.ENTER)
    ranking = f"(() => {{ {RANKING} }})()"
    shown = _wait(
        browser,
        "the typed utterance's ranking",
        f"{ranking}?.text === {json.dumps(UTTERANCE)} && {ranking}",
        timeout=90,
    )
    assert isinstance(shown, dict)
    names = [name for name, _ in shown["bars"]]
    confidences = [c for _, c in shown["bars"]]
    assert set(names) == TINY_INTENTS, shown
    assert confidences == sorted(confidences, reverse=True), shown
    assert names[0] == "transfer_money", shown
    assert shown["decision"] == "transfer_money"
    assert {"amount", "recipient"} <= set(shown["entities"]), shown

    ARTIFACTS.mkdir(exist_ok=True)
    widget = browser.find_element(By.CSS_SELECTOR, ".wb-intent-debugger")
    browser.execute_script("arguments[0].scrollIntoView({block: 'start'})", widget)
    browser.save_screenshot(str(ARTIFACTS / "intent_debugging.png"))
    assert (ARTIFACTS / "intent_debugging.png").stat().st_size > 10_000
