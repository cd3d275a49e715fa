"""The LibreOffice Writer extension's build: its sources live in packaging/libreoffice/ (they
run in LibreOffice's own Python, not ours), ``build_oxt`` zips them into an .oxt."""
