"""The chat mix the benchmarks send, as officials type it: dates by agency and cohort, an ask-back and its
answer, a guide and its platform question, trouble, small talk and an off-topic question."""

CHAT_MIX = (
    "กรมสรรพากรย้ายวันไหน",
    "v8 ใช้ได้ถึงวันไหนคะ",
    "กรมอุตุฯ",
    "ติดตั้ง AcuConference 9 ยังไง",
    "windows",
    "สพร.อยู่กลุ่มไหนครับ",
    "กลุ่ม ๒ ย้ายวันไหน",
    "เข้าประชุมไม่ได้ ไม่มีเสียง",
    "ขอบคุณครับ",
    "ค่าโทรศัพท์เดือนนี้ทำไมแพงจัง",
    "ตารางการย้ายทั้งหมด",
    "ผมอยู่กรมชลประทาน",
)
