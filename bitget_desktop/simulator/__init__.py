"""Local Bitget-compatible exchange: the demo default, paper trading and the test bed (no Qt)."""

from bitget_desktop.simulator.auth import ApiKeySpec
from bitget_desktop.simulator.server import Faults, Simulator, SimulatorConfig

__all__ = ["Simulator", "SimulatorConfig", "ApiKeySpec", "Faults"]
