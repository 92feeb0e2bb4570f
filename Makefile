# The two commands of the README: `make run` and `make test`.
.PHONY: run test setup
run:
	scripts/run.sh
test:
	scripts/test.sh
setup:
	scripts/setup.sh
