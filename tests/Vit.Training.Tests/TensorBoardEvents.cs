using System.Buffers.Binary;
using System.Text;

namespace Vit.Training.Tests;

/// <summary>
/// Reads a TensorBoard event file as TensorBoard does: TFRecord framing (uint64 length, masked CRC-32C of the length,
/// the bytes, masked CRC-32C of the bytes, little-endian) around <c>tensorflow.Event</c> protobuf messages, of which it
/// decodes what the tests need: <c>wall_time</c> (1), <c>step</c> (2), <c>file_version</c> (3) and the
/// <c>summary</c> (5) values' <c>tag</c> (1) and <c>simple_value</c> (2).
/// </summary>
internal static class TensorBoardEvents
{
    private static readonly uint[] Table = CreateTable();

    public static List<Event> Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var events = new List<Event>();
        int at = 0;
        while (at < bytes.Length)
        {
            var lengthBytes = bytes.AsSpan(at, 8);
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
            Check(BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 8, 4)), lengthBytes, "length", at);
            var data = bytes.AsSpan(at + 12, checked((int)length));
            Check(BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 12 + (int)length, 4)), data, "data", at);
            events.Add(Decode(data));
            at += 16 + (int)length;
        }

        return events;
    }

    private static Event Decode(ReadOnlySpan<byte> data)
    {
        var e = new Event();
        var reader = new ProtoReader(data.ToArray());
        while (reader.TryReadTag(out int field, out int wire))
        {
            switch (field, wire)
            {
                case (1, 1):
                    e.WallTime = BitConverter.Int64BitsToDouble((long)reader.ReadFixed64());
                    break;
                case (2, 0):
                    e.Step = (long)reader.ReadVarint();
                    break;
                case (3, 2):
                    e.FileVersion = Encoding.UTF8.GetString(reader.ReadBytes());
                    break;
                case (5, 2):
                    var summary = new ProtoReader(reader.ReadBytes());
                    while (summary.TryReadTag(out int summaryField, out int summaryWire))
                    {
                        if (summaryField == 1 && summaryWire == 2)
                        {
                            e.Values.Add(DecodeValue(summary.ReadBytes()));
                        }
                        else
                        {
                            summary.Skip(summaryWire);
                        }
                    }

                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        return e;
    }

    private static (string Tag, float Value) DecodeValue(byte[] data)
    {
        var reader = new ProtoReader(data);
        string tag = string.Empty;
        float value = float.NaN;
        while (reader.TryReadTag(out int field, out int wire))
        {
            if (field == 1 && wire == 2)
            {
                tag = Encoding.UTF8.GetString(reader.ReadBytes());
            }
            else if (field == 2 && wire == 5)
            {
                value = BitConverter.Int32BitsToSingle((int)reader.ReadFixed32());
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return (tag, value);
    }

    private static void Check(uint stored, ReadOnlySpan<byte> bytes, string what, int offset)
    {
        uint crc = Crc32C(bytes);
        uint masked = ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
        if (masked != stored)
        {
            throw new InvalidDataException($"Bad masked CRC-32C of the {what} of the record at byte {offset}: stored {stored:x8}, computed {masked:x8}.");
        }
    }

    private static uint Crc32C(ReadOnlySpan<byte> bytes)
    {
        uint crc = 0xffffffffu;
        foreach (byte b in bytes)
        {
            crc = Table[(crc ^ b) & 0xff] ^ (crc >> 8);
        }

        return ~crc;
    }

    private static uint[] CreateTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0x82f63b78u ^ (c >> 1) : c >> 1;
            }

            table[i] = c;
        }

        return table;
    }

    /// <summary>One event: a file-version header or a summary of tagged scalars at a step.</summary>
    internal sealed class Event
    {
        public double WallTime { get; set; }

        public long Step { get; set; }

        public string? FileVersion { get; set; }

        public List<(string Tag, float Value)> Values { get; } = [];
    }

    private sealed class ProtoReader(byte[] data)
    {
        private int _at;

        public bool TryReadTag(out int field, out int wire)
        {
            field = wire = 0;
            if (_at >= data.Length)
            {
                return false;
            }

            ulong key = ReadVarint();
            field = (int)(key >> 3);
            wire = (int)(key & 7);
            return true;
        }

        public ulong ReadVarint()
        {
            ulong value = 0;
            for (int shift = 0; ; shift += 7)
            {
                byte b = data[_at++];
                value |= (ulong)(b & 0x7f) << shift;
                if ((b & 0x80) == 0)
                {
                    return value;
                }
            }
        }

        public ulong ReadFixed64()
        {
            ulong value = BinaryPrimitives.ReadUInt64LittleEndian(data.AsSpan(_at, 8));
            _at += 8;
            return value;
        }

        public uint ReadFixed32()
        {
            uint value = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(_at, 4));
            _at += 4;
            return value;
        }

        public byte[] ReadBytes()
        {
            int length = (int)ReadVarint();
            var bytes = data.AsSpan(_at, length).ToArray();
            _at += length;
            return bytes;
        }

        public void Skip(int wire)
        {
            switch (wire)
            {
                case 0:
                    ReadVarint();
                    break;
                case 1:
                    _at += 8;
                    break;
                case 2:
                    _at += (int)ReadVarint();
                    break;
                case 5:
                    _at += 4;
                    break;
                default:
                    throw new InvalidDataException($"Unsupported protobuf wire type {wire}.");
            }
        }
    }
}
