"""The pages of the desk, one module per screen: queue, workspace, register, exports, canned, account, health…

An edge: may import the lifecycle (writes), access (reads), the desk (queues, filters, rows, forms), the
calendar and the models. Nothing but the URLconfs (and the dashboard's pages, which reuse common.py and
exports.py) imports a view.
"""
