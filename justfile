# Short aliases over `cargo xtask …` (just is optional: `cargo install just`).
run:
    cargo xtask run
test:
    cargo xtask test
e2e:
    cargo xtask e2e
web:
    cargo xtask web
openapi:
    cargo xtask openapi
