"""The media register (DESIGN: media/): register, loans, counts, seals and port unsealings, repairs, the end.

Public surface: the service functions in `services` (one per state change), the code sets in `codes`,
the models in `models`. This module imports nothing eagerly, so app.custody.models can re-export
MediaLoan from here without an import cycle.
"""
