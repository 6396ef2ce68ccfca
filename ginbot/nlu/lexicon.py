"""A small bilingual domain thesaurus: words that mean the same thing here.

Each intent has only a few dozen examples, so a word seen once in training
("ไมค์") teaches nothing about its synonyms ("microphone", "ไมโครโฟน"). Adding
one concept feature per recognised word (``#audio``) lets the examples of one
synonym carry over to the others, and lets English messages borrow the Thai
training data. The classifier still sees the words themselves; concepts are
extra evidence, weighted by the model like any other feature.

The groups describe the helpdesk domain (devices, accounts, notifications,
data, staff, versions, time), not particular test sentences. Keys are in
``normalise()``d form and must equal a whole token.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

_CONCEPTS: dict[str, tuple[str, ...]] = {
    "thanks": ("ขอบคุณ", "ขอบใจ", "ขอบพระคุณ", "thanks", "thank", "thx", "ty", "appreciate", "appreciated", "แต๊งกิ้ว", "แต้งกิ้ว", "ซึ้งใจ"),
    "greet": ("สวัสดี", "หวัดดี", "hello", "hi", "hey", "yo", "morning", "afternoon", "evening", "ฮัลโหล", "ฮาโหล", "อรุณสวัสดิ์", "ทักทาย", "ทัก"),
    "bot": ("บอท", "bot", "ginbot", "แชทบอท", "chatbot"),
    "menu": ("เมนู", "menu", "options", "option", "ตัวเลือก", "คำสั่ง", "commands", "command", "ฟังก์ชัน", "faq", "คู่มือ", "วิธีใช้"),
    "staff": ("เจ้าหน้าที่", "staff", "แอดมิน", "admin", "ผู้ดูแล", "ผู้ดูแลระบบ", "ทีมงาน", "ซัพพอร์ต", "support", "helpdesk", "คอลเซ็นเตอร์", "agent", "human", "พนักงาน", "ศูนย์บริการ", "ศูนย์ช่วยเหลือ", "ผู้ประสานงาน", "ผู้รับผิดชอบ"),
    "contact": ("ติดต่อ", "contact", "โทร", "เบอร์", "phone", "call", "อีเมล", "อีเมล์", "email", "e-mail", "mail", "ไลน์", "line", "สายด่วน", "hotline", "ช่องทาง", "โทรศัพท์"),
    "delete": ("ลบ", "delete", "remove", "erase", "ล้าง", "เคลียร์", "clear", "ทำลาย", "ทิ้ง", "forget", "ลืม"),
    "personal": ("ข้อมูล", "data", "information", "info", "ประวัติ", "history", "บัญชี", "account", "แอคเคานต์", "แอคเคาท์", "โปรไฟล์", "profile", "pdpa", "ส่วนตัว", "ส่วนบุคคล", "ความยินยอม", "consent"),
    "notify": ("แจ้งเตือน", "เตือน", "notification", "notifications", "noti", "reminder", "reminders", "remind", "ข่าว", "ข่าวสาร", "ประกาศ", "news", "announcement", "announcements", "updates", "alert", "alerts", "notify", "ข้อความ", "messages", "sms"),
    "stop": ("หยุด", "เลิก", "ยกเลิก", "ปิด", "stop", "cancel", "unsubscribe", "unsub", "off", "พอ", "งด", "ระงับ", "ไม่เอา", "อย่า", "รำคาญ", "ถอน", "ออกจาก"),
    "start": ("เปิด", "สมัคร", "subscribe", "sign", "on", "ติดตาม", "follow", "ลงทะเบียน", "register", "รับ", "ได้รับ", "join"),
    "install": ("ติดตั้ง", "install", "installing", "installation", "ลง", "setup", "ลงโปรแกรม", "deploy"),
    "uninstall": ("ถอน", "ถอนการติดตั้ง", "ถอนติดตั้ง", "uninstall", "remove", "ลบ", "ถอด", "เอาออก"),
    "download": ("ดาวน์โหลด", "download", "โหลด", "ลิงก์", "ลิงค์", "ลิ้ง", "ลิ้งค์", "link", "url", "ไฟล์", "installer", "store", "เว็บ", "website"),
    "login": ("login", "logon", "log", "ล็อกอิน", "ล็อคอิน", "signin", "รหัส", "รหัสผ่าน", "password", "พาสเวิร์ด", "user", "username", "ยูสเซอร์", "lock", "ล็อก", "ล็อค", "locked"),
    "audio": ("เสียง", "ไมค์", "ไมโครโฟน", "microphone", "mic", "audio", "sound", "ลำโพง", "speaker", "หูฟัง", "headset", "echo", "ได้ยิน", "มีเสียง", "เสียงสะท้อน", "สะท้อน", "ก้อง", "หอน"),
    "video": ("กล้อง", "camera", "webcam", "ภาพ", "video", "จอ", "หน้าจอ", "screen", "แชร์", "share"),
    "network": ("เชื่อมต่อ", "connect", "connection", "หลุด", "เน็ต", "internet", "network", "server", "เซิร์ฟเวอร์", "vpn", "firewall", "timeout"),
    "broken": ("error", "failed", "fail", "ค้าง", "เด้ง", "เสีย", "ปัญหา", "problem", "broken", "can't", "cannot", "ไม่ผ่าน"),
    "why": ("ทำไม", "why", "เหตุผล", "reason", "วัตถุประสงค์", "จุดประสงค์", "purpose", "ประโยชน์", "benefit", "benefits", "ข้อดี", "ดีกว่า", "better", "เป้าหมาย", "เพราะ"),
    "oblige": ("บังคับ", "จำเป็น", "must", "mandatory", "required", "require", "ยกเว้น", "exempt", "ต้อง", "have"),
    "consequence": ("ถ้า", "if", "happens", "happen", "เกิด", "ผล", "โทษ", "โดน", "stay"),
    "when": ("เมื่อไหร่", "เมื่อไร", "เมื่อไหร", "when", "date", "วันไหน", "วันที่", "กี่โมง", "ตอนไหน", "deadline"),
    "end": ("หมด", "สิ้นสุด", "until", "last", "สุดท้าย", "เส้นตาย", "หมดเขต", "หมดอายุ", "ตัด", "end", "expire"),
    "move": ("ย้าย", "เปลี่ยน", "migrate", "migration", "switch", "move", "อัปเกรด", "upgrade", "โอนย้าย", "อัปเดต", "update"),
    "group": ("กลุ่ม", "รอบ", "cohort", "group", "ชุด", "batch", "ระยะ", "phase"),
    "agencies": ("หน่วยงาน", "agencies", "agency", "กรม", "รายชื่อ", "list", "ใครบ้าง", "ไหนบ้าง", "members"),
    "schedule": ("ตาราง", "กำหนดการ", "schedule", "timeline", "timetable", "แผน", "plan", "ปฏิทิน", "ไทม์ไลน์", "ภาพรวม", "ทั้งหมด", "ทุก"),
    "product": ("ginconference", "gin", "acuconference", "ระบบประชุม", "ประชุมออนไลน์", "ประชุมทางไกล", "e-conference"),
    "what": ("คือ", "อะไร", "what", "who", "ใคร", "คืออะไร", "about", "รู้จัก", "ข้อมูลเบื้องต้น"),
    "old": ("v8", "เก่า", "เดิม", "old", "previous"),
    "new": ("v9", "ใหม่", "new", "latest"),
    # The fallback categories (see intents/fallback.yml's description): other
    # software, pay and HR, daily-life errands, weather, small talk. They tie
    # an unseen off-topic word to the off-topic examples that share its kind.
    "other_software": ("zoom", "webex", "teams", "meet", "skype", "photoshop", "office", "outlook", "excel", "word", "powerpoint", "facebook", "เฟซบุ๊ก", "เฟสบุ๊ค", "youtube", "tiktok", "chrome", "gmail", "printer", "ปริ้นเตอร์", "เครื่องพิมพ์", "wifi", "ไวไฟ", "ซูม", "ทีมส์", "antivirus", "ไวรัส", "excel", "pdf"),
    "pay_hr": ("เงินเดือน", "โบนัส", "เบิก", "ลา", "ลาพักร้อน", "บำนาญ", "บำเหน็จ", "สวัสดิการ", "ค่าล่วงเวลา", "เบี้ยเลี้ยง", "salary", "bonus", "leave", "เลื่อนขั้น", "สอบ"),
    "errand": ("ร้าน", "ซื้อ", "ขาย", "จอง", "ราคา", "สั่ง", "อาหาร", "กาแฟ", "ข้าว", "กิน", "ธนาคาร", "bank", "flight", "hotel", "ตั๋ว", "เที่ยวบิน", "โรงแรม", "หวย", "ทอง", "บอล", "ร้านอาหาร", "book", "buy", "sell", "price", "restaurant", "food", "ที่จอดรถ", "แท็กซี่", "taxi"),
    "weather": ("ฝน", "ฝนตก", "ร้อน", "หนาว", "อากาศ", "weather", "rain", "pm2.5", "ฝุ่น", "น้ำท่วม"),
    "small_talk": ("ฉลาด", "โง่", "เก่ง", "น่ารัก", "สวย", "หล่อ", "ชอบ", "เหงา", "เบื่อ", "ง่วง", "หิว", "แฟน", "อายุ", "joke", "มุก", "เพลง", "ร้องเพลง", "bored", "love", "สี", "color", "night", "ฝันดี", "ราตรีสวัสดิ์", "555", "ฮ่า", "อิอิ", "lol"),
    "me": ("ผม", "ฉัน", "ดิฉัน", "หนู", "เรา", "my", "me", "mine", "i"),
    "workplace": ("ทำงาน", "สังกัด", "อยู่", "work", "office", "ออฟฟิศ", "มาจาก", "from"),
}

# word -> concepts (a word may belong to several groups, e.g. "ลบ": delete and uninstall)
LEXICON: dict[str, tuple[str, ...]] = {}
for _concept, _words in sorted(_CONCEPTS.items()):
    for _word in _words:
        LEXICON[_word] = (*LEXICON.get(_word, ()), f"#{_concept}")


# A negation governs the next few words (Thai has no clause punctuation to
# stop at): "ไม่อยากได้แจ้งเตือนอีก" is about *not* being notified.
_NEGATORS = frozenset({"ไม่", "อย่า", "ไม่ต้อง", "ไม่เอา", "ไม่อยาก", "no", "not", "don't", "dont", "never", "without"})
_NEGATION_SCOPE = 4


def concepts(tokens: Sequence[str]) -> list[str]:
    """Concept features for a token sequence.

    One ``#concept`` per recognised token; ``#not-concept`` for one inside a
    negation's scope; and each pair of distinct concepts in the message
    (``#notify+#stop``), because intents here are mostly combinations —
    stop + notifications is unsubscribe, delete + personal data is forget_me,
    delete + old version is uninstall.
    """
    found: list[str] = []
    # Two-word entries ("วันไหน", "ศูนย์บริการ") are matched on adjacent tokens,
    # so the segmenter's dictionary does not have to change for them.
    for first, second in itertools.pairwise(tokens):
        found.extend(LEXICON.get(first + second, ()))
    scope = 0
    for tok, following in itertools.zip_longest(tokens, tokens[1:], fillvalue=""):
        # "ไม่ต้องการ", "ไม่อยาก", "ไม่รับ" come as one token; "…ไม่ได้"
        # (cannot) follows its verb and negates nothing after it.
        if tok == "ไม่" and following == "ได้":
            continue
        if tok in _NEGATORS or (tok.startswith("ไม่") and tok != "ไม่ได้"):
            scope = _NEGATION_SCOPE
            for concept in LEXICON.get(tok[3:], ()) if tok.startswith("ไม่") else ():
                found.append("#not-" + concept[1:])
            continue
        for concept in LEXICON.get(tok, ()):
            found.append(concept)
            if scope:
                found.append("#not-" + concept[1:])
        scope = max(0, scope - 1)
    distinct = sorted({c for c in found if not c.startswith("#not-")})
    found += [f"{a}+{b}" for a, b in itertools.combinations(distinct, 2)]
    return found
