"""TensorBoard event files: protobuf encoding (proto), PNG images (png), the writer (writer)."""
