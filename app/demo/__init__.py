"""The demo: the sandbox merchant loaded into the store (``seed``), the set-up `rapport demo` runs
(``run``) and the sandbox product pictures the demo page shows (``assets``, served at ``/demo/covers``).

The only part of the app that imports ``sandbox`` (the layer test in tests/ci holds it to that).
"""
