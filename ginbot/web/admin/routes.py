"""Every /admin route in one table. Everything but the sign-in page is behind auth.guard."""

from __future__ import annotations

from aiohttp import web

from ginbot.web.admin import agencies, auth, broadcasts, dashboard, inbox, knowledge, readiness, unanswered


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/admin", dashboard.dashboard, name="admin_dashboard")
    r.add_get("/admin/", dashboard.dashboard, name="admin_dashboard_slash")
    r.add_get(auth.SIGNIN_PATH, auth.signin_form, name="admin_signin_form")
    r.add_post(auth.SIGNIN_PATH, auth.signin, name="admin_signin")
    r.add_post("/admin/signout", auth.signout, name="admin_signout")
    r.add_get("/admin/password", auth.password_form, name="admin_password_form")
    r.add_post("/admin/password", auth.change_password, name="admin_password")

    r.add_get("/admin/broadcasts", broadcasts.list_page, name="admin_broadcasts")
    r.add_get("/admin/broadcasts/new", broadcasts.compose, name="admin_compose")
    r.add_post("/admin/broadcasts/new", broadcasts.compose, name="admin_compose_again")
    r.add_post("/admin/broadcasts/preview", broadcasts.preview, name="admin_preview")
    r.add_post("/admin/broadcasts", broadcasts.confirm, name="admin_confirm")
    r.add_get("/admin/broadcasts/{id:\\d+}", broadcasts.report_page, name="admin_report")
    r.add_get("/admin/broadcasts/{id:\\d+}/report.json", broadcasts.report_json, name="admin_report_json")
    r.add_get("/admin/api/recipients", broadcasts.recipients, name="admin_recipients")

    r.add_get("/admin/unanswered", unanswered.page, name="admin_unanswered")
    r.add_post("/admin/unanswered/assign", unanswered.assign, name="admin_assign")
    r.add_post("/admin/unanswered/topic", knowledge.topic_handler, name="admin_assign_topic")
    r.add_post("/admin/knowledge/reload", knowledge.reload_handler, name="admin_knowledge_reload")

    r.add_get("/admin/agencies", agencies.page, name="admin_agencies")
    r.add_post("/admin/agencies/import", agencies.upload, name="admin_import")

    r.add_get("/admin/readiness", readiness.page, name="admin_readiness")
    r.add_get("/admin/readiness.csv", readiness.csv_export, name="admin_readiness_csv")
    r.add_post("/admin/readiness/status", readiness.set_status, name="admin_readiness_status")

    r.add_get("/admin/audit", dashboard.audit_page, name="admin_audit")
    inbox.add_routes(app)
