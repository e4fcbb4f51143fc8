# The two commands of the quick start, over CMake:
#   make demo    build ukmem and run the demonstration program
#   make check   build ukmem and run every test
# Warnings are errors when CI is set (as in CI) or with WERROR=ON.  The
# build prints only warnings and errors; PROGRESS=ON shows each step.

BUILD ?= build
WERROR ?= $(if $(CI),ON,OFF)
PROGRESS ?= OFF
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

# CMake's makefiles call make recursively; their "Entering directory"
# lines say nothing to someone running the quick start.
MAKEFLAGS += --no-print-directory

.PHONY: demo check configure clean

configure:
	@echo "== configuring ukmem in $(BUILD)/ (warnings as errors: $(WERROR))"
	@cmake -S . -B $(BUILD) -DUKMEM_WERROR=$(WERROR) -DCMAKE_RULE_MESSAGES=$(PROGRESS) \
		-DCMAKE_TARGET_MESSAGES=$(PROGRESS) $(CMAKE_FLAGS) > /dev/null

demo: configure
	@echo "== building the demo"
	@cmake --build $(BUILD) -j$(JOBS) --target ukmem-demo
	@echo "== running $(BUILD)/ukmem-demo"
	@./$(BUILD)/ukmem-demo

check: configure
	@echo "== building ukmem, its tests and benchmarks"
	@cmake --build $(BUILD) -j$(JOBS)
	@echo "== running the tests"
	@ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS)

clean:
	rm -rf $(BUILD)
