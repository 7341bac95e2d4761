"""Entry point of ``bentoml serve service:SkillsService`` (configuration: ``SKILLS_*``, see the README)."""

from skills_core.serving.service import SkillsService

__all__ = ["SkillsService"]
