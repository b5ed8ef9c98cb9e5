"""Views of the desk, one module per screen: queue, workspace, register, exports, canned, account."""
