# The two commands of the quick start, over CMake:
#   make demo    build ukmem and run the demonstration program
#   make check   build ukmem and run every test
# Warnings are errors when CI is set (as in CI) or with WERROR=ON.

BUILD ?= build
WERROR ?= $(if $(CI),ON,OFF)
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: demo check configure clean

configure:
	cmake -S . -B $(BUILD) -DUKMEM_WERROR=$(WERROR) $(CMAKE_FLAGS)

demo: configure
	cmake --build $(BUILD) -j$(JOBS) --target ukmem-demo
	./$(BUILD)/ukmem-demo

check: configure
	cmake --build $(BUILD) -j$(JOBS)
	ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS)

clean:
	rm -rf $(BUILD)
