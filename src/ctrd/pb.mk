# pb.mk: the containerd shim's protobuf code, generated at build time by
# protoc-c from the .proto files Debian installs (containerd's task API, its
# events and the ttrpc events service they are forwarded to, gogo's options
# they import, google's well-known types and google.rpc.Status) plus src/ctrd/ttrpc.proto (ttrpc's envelope, which ttrpc
# ships only as Go). Nothing generated is kept in the repo. Included by the
# Makefile and tests/fuzz/fuzz.mk; the includer sets PB_DIR.
#
# One protoc-c run writes every file; the stamp stands for all of them.
# protoc-c warns that mount.proto imports gogo.proto without using it: that
# is containerd's file, so only that warning is dropped.
GOCODE     := /usr/share/gocode/src
PB_PROTOS  := github.com/containerd/containerd/runtime/v2/task/shim.proto \
	github.com/containerd/containerd/api/types/mount.proto \
	github.com/containerd/containerd/api/types/task/task.proto \
	github.com/containerd/containerd/api/events/task.proto \
	github.com/containerd/containerd/api/services/ttrpc/events/v1/events.proto \
	github.com/containerd/cgroups/stats/v1/metrics.proto github.com/containerd/cgroups/v2/stats/metrics.proto \
	github.com/containerd/containerd/protobuf/plugin/fieldpath.proto \
	gogoproto/gogo.proto google/rpc/status.proto ctrd/ttrpc.proto \
	google/protobuf/descriptor.proto google/protobuf/any.proto \
	google/protobuf/empty.proto google/protobuf/timestamp.proto
PB_PATH    := -Isrc -I$(GOCODE) -I$(GOCODE)/github.com/gogo/protobuf -I$(GOCODE)/github.com/gogo/googleapis -I/usr/include
PB_STAMP   := $(PB_DIR)/.stamp
PB_SRCS    := $(PB_PROTOS:%.proto=$(PB_DIR)/%.pb-c.c)

$(PB_STAMP): src/ctrd/ttrpc.proto src/ctrd/pb.mk
	@mkdir -p $(PB_DIR)
	protoc-c $(PB_PATH) --c_out=$(PB_DIR) $(PB_PROTOS) 2>$(PB_DIR)/protoc.err; rc=$$?; \
		grep -v 'Import gogoproto/gogo.proto is unused' $(PB_DIR)/protoc.err >&2; exit $$rc
	@touch $@
.PRECIOUS: $(PB_DIR)/%.pb-c.c
$(PB_DIR)/%.pb-c.c: $(PB_STAMP) ;
