"""The helpdesk admin pages under /admin (Thai UI): dashboard, broadcasts, unanswered questions,
agencies and cohorts, audit log. ``install(app)`` adds the routes, the auth guard and the first account.

Modules: routes (the table), auth (guard, sign-in/out), accounts / sessions / audit (database side of
auth), forms (the broadcast form), views (rendering), and one module per page family.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from ginbot.web.admin import accounts, auth, routes, unanswered, views
from ginbot.web.keys import DB_KEY, SETTINGS_KEY

log = logging.getLogger(__name__)


async def _bootstrap_admin(app: web.Application) -> None:
    """GINBOT_ADMIN_PASSWORD creates the ``admin`` account when there is no staff account yet."""
    password = app[SETTINGS_KEY].admin_password
    if password is None:
        return
    try:
        async with app[DB_KEY].session() as session:
            created = await accounts.ensure_bootstrap_admin(session, password.get_secret_value())
    except Exception:
        # A missing schema or an unreachable database must not stop the chat and the health check.
        log.exception("admin: could not create the first staff account from GINBOT_ADMIN_PASSWORD")
        return
    if created:
        log.info("admin: created staff account %r from GINBOT_ADMIN_PASSWORD", accounts.BOOTSTRAP_NAME)


def install(app: web.Application) -> None:
    app[unanswered.RETRAIN_LOCK_KEY] = asyncio.Lock()
    app.middlewares.append(auth.guard)
    views.install_filters(app)
    routes.add_routes(app)
    # on_startup runs after the cleanup contexts' start halves, so the database is there by now.
    app.on_startup.append(_bootstrap_admin)
