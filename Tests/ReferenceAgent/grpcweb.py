"""gRPC-Web framing for shell demos: JSON in, a framed protobuf message out, and back.

    grpcweb.py encode polykey.v1.Password '{"password": "pw"}'   > request.bin
    curl ... --data-binary @request.bin ... | grpcweb.py decode polykey.v1.Status

Message types come from the reference agent's descriptor set (gen/polykey.binpb, written by
setup.sh). Until the gateway's own JSON mode lands, this is how the demo speaks JSON.
"""
import json
import os
import struct
import sys

from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory

HERE = os.path.dirname(os.path.abspath(__file__))


def message_class(name):
    files = descriptor_pb2.FileDescriptorSet()
    with open(os.path.join(HERE, "gen", "polykey.binpb"), "rb") as handle:
        files.ParseFromString(handle.read())
    pool = descriptor_pool.DescriptorPool()
    for proto in files.file:
        pool.Add(proto)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName(name))


def encode(name, text):
    message = json_format.Parse(text or "{}", message_class(name)())
    payload = message.SerializeToString()
    sys.stdout.buffer.write(struct.pack(">BI", 0, len(payload)) + payload)


def decode(name):
    body = sys.stdin.buffer.read()
    cls = message_class(name)
    index = 0
    while index + 5 <= len(body):
        flag, length = struct.unpack(">BI", body[index:index + 5])
        payload = body[index + 5:index + 5 + length]
        index += 5 + length
        if flag & 0x80:
            trailers = dict(line.split(":", 1) for line in payload.decode().split("\r\n") if ":" in line)
            print(json.dumps({"trailers": trailers}))
        else:
            message = cls.FromString(payload)
            print(json.dumps({"message": json_format.MessageToDict(message, always_print_fields_with_no_presence=True)}))


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "encode":
        encode(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "{}")
    elif len(sys.argv) == 3 and sys.argv[1] == "decode":
        decode(sys.argv[2])
    else:
        sys.exit(__doc__)
