"""The terminal's Qt-free model of the connected account: state, in-flight actions, stream health and tasks."""
