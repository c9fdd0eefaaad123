"""Care detection (pure core): a home's events in, its wellbeing status and alerts out.

No I/O here: the service's adapters feed events and ticks and store the detector's JSON state per home.
"""

from maeul.services.care.detection.config import ConfigError, HomeConfig
from maeul.services.care.detection.detector import Detector
from maeul.services.care.detection.events import Event, local_seconds
from maeul.services.care.detection.medication import MedicationConfig, PillBox
from maeul.services.care.detection.status import Alert, Status
from maeul.services.care.detection.vitals import Vitals, VitalsConfig

__all__ = [
    "Alert",
    "ConfigError",
    "Detector",
    "Event",
    "HomeConfig",
    "MedicationConfig",
    "PillBox",
    "Status",
    "Vitals",
    "VitalsConfig",
    "local_seconds",
]
