"""Starts and stops the dev broker of deploy/kafka/kafka.sh on free ports (for tests and benchmarks)."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from shared.embedded_pg import free_port

SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "kafka" / "kafka.sh"


@dataclass
class KafkaBroker:
    state_dir: Path
    port: int = 0
    controller_port: int = 0

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _env(self) -> dict[str, str]:
        return {**os.environ, "KAFKA_PORT": str(self.port), "KAFKA_CONTROLLER_PORT": str(self.controller_port)}

    def start(self) -> str:
        self.port = self.port or free_port()
        self.controller_port = self.controller_port or free_port()
        subprocess.run([str(SCRIPT), "start", str(self.state_dir)], env=self._env(), check=True,
                       capture_output=True, timeout=600)
        return self.bootstrap

    def stop(self) -> None:
        subprocess.run([str(SCRIPT), "stop", str(self.state_dir)], env=self._env(), check=False,
                       capture_output=True, timeout=120)
