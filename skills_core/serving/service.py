"""The BentoML service: a thin adapter over :class:`~skills_core.runtime.agent.Agent`.

``bentoml serve service:SkillsService`` (the root ``service.py`` re-exports it). ``/parse``,
``/analyze`` and ``/chat`` are batchable BentoML APIs (adaptive batching); the gateway middleware turns the public
single-request bodies into batch items and back. Sessions and the admin endpoints are a mounted
Starlette app. Configuration: :class:`~skills_core.serving.config.ServeConfig` (``SKILLS_*``).
"""

from __future__ import annotations

import logging
from typing import Any

import anyio
import bentoml
from pydantic import BaseModel

from skills_core.errors import SkillsError
from skills_core.serving import routes
from skills_core.serving.config import ServeConfig
from skills_core.serving.gateway import Gateway
from skills_core.serving.inputs import Limits
from skills_core.serving.logs import configure_logging
from skills_core.serving.metrics import Sampler, get_metrics
from skills_core.serving.watchdog import follow_parent, in_bentoml_worker

logger = logging.getLogger(__name__)

# Worker count and batching are decorator arguments, so they are read when the module is imported.
# Nothing heavy is imported here: BentoML's supervisor process imports this module too.
BOOT = ServeConfig.load()


class ParseItem(BaseModel):
    """One text to parse; ``key`` (a session or request id) picks the model when a canary runs."""

    text: str
    key: str = ""


class ChatTurn(BaseModel):
    """One user turn; ``turn_id`` (the client's id of it) makes a retry answer from the log."""

    session_id: str
    text: str
    turn_id: str | None = None


@bentoml.service(
    name="skills",
    workers=BOOT.workers,
    traffic={"timeout": BOOT.timeout_s + 5},  # the gateway times out first, with a JSON error
    logging={"access": {"enabled": False}},  # the gateway writes one JSON line per request instead
)
@bentoml.asgi_app(routes.app, path="/")
class SkillsService:
    """Parse and chat APIs over one skill, with sessions, model swaps and canaries."""

    def __init__(self) -> None:
        from skills_core.runtime.agent import Agent  # torch and the model code load in workers only

        config = ServeConfig.load()
        configure_logging(config.log_level)
        if in_bentoml_worker():  # circus starts workers in their own session: stop with the supervisor
            follow_parent()
        if config.torch_threads:
            import torch

            torch.set_num_threads(config.torch_threads)
        self.config = config
        self.limits = Limits(
            max_body_bytes=config.max_body_bytes,
            max_text_chars=config.max_text_chars,
            max_batch_texts=config.max_batch_texts,
            max_session_id_chars=config.max_session_id_chars,
        )
        self.agent = Agent.serving(
            config.skill,
            model=config.model,
            store_url=config.store_url,
            plan_dir=config.plan_directory,
            device=config.device,
            half=config.half,
            gpu_memory_fraction=config.gpu_memory_fraction,
            check_interval_s=config.model_check_s,
            runtime=config.runtime,
            threads=config.torch_threads,
        )
        self.sampler = Sampler(
            get_metrics(), sessions=lambda: len(self.agent.store), serving=self.agent.registry.serving
        ).start()
        logger.info(
            "serving skill %s",
            self.agent.skill.name,
            extra={
                "model_version": self.agent.registry.routing.active_tag,
                "store": _store_kind(config.store_url),
            },
        )

    @bentoml.api(batchable=True, max_batch_size=BOOT.max_batch_size, max_latency_ms=BOOT.max_latency_ms)
    async def parse(self, items: list[ParseItem]) -> list[dict[str, Any]]:
        """Parse texts (batched across requests); each item's key routes it to the active model or the canary."""
        texts, keys = [i.text for i in items], [i.key for i in items]
        parses = await anyio.to_thread.run_sync(lambda: self.agent.parse(texts, keys=keys))
        return [p.model_dump(mode="json") for p in parses]

    @bentoml.api(batchable=True, max_batch_size=BOOT.max_batch_size, max_latency_ms=BOOT.max_latency_ms)
    async def analyze(self, items: list[ParseItem]) -> list[dict[str, Any]]:
        """Language, PII spans, analyser labels and the parse of texts (batched across requests)."""
        texts, keys = [i.text for i in items], [i.key for i in items]
        return await anyio.to_thread.run_sync(lambda: self.agent.inspect(texts, keys=keys))

    @bentoml.api(batchable=True, max_batch_size=BOOT.max_batch_size, max_latency_ms=BOOT.max_latency_ms)
    async def chat(self, turns: list[ChatTurn]) -> list[dict[str, Any]]:
        """Run user turns (batched across requests): replies, parse and state, or an error per turn."""
        pairs = [(t.session_id, t.text) for t in turns]
        ids = [t.turn_id for t in turns]
        results = await anyio.to_thread.run_sync(lambda: self.agent.handle_batch(pairs, turn_ids=ids))
        return [_error_item(r) if isinstance(r, Exception) else r.to_dict() for r in results]

    def __is_ready__(self) -> bool:
        """Ready when a model is loaded and the session store answers."""
        return self.agent.ready()

    @bentoml.on_shutdown
    def close(self) -> None:
        self.sampler.stop()
        self.agent.close()


SkillsService.add_asgi_middleware(Gateway)


def _error_item(error: Exception) -> dict[str, Any]:
    """A failed turn as a batch item the gateway turns into an HTTP error."""
    from skills_core.runtime.turns import TurnConflict  # the dialogue code loads in workers only

    if isinstance(error, TurnConflict):
        return {"error": {"type": "turn_conflict", "message": str(error), "status": 409}}
    if isinstance(error, SkillsError):
        api = routes.as_api_error(error)
        return {"error": {"type": api.kind, "message": api.message, "status": api.status}}
    return {
        "error": {"type": "internal", "message": "expected the turn to run; it failed (see the server log)"}
    }


def _store_kind(url: str) -> str:
    return url.split(":", 1)[0]
