"""Date and time formats of planflow (FORMAT_MODULE_PATH): dd/mm/yyyy in Vietnamese and in English.

The office's convention (Nghị định 30/2020/NĐ-CP writes dates day first) does not change with the
interface language: an English reader sees 20/12/2019 too, never 12/20/2019. Only the date formats
are set here; numbers keep Django's formats of each language.
"""
