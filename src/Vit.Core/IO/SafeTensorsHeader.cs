using System.Text.Json;
using TorchSharp;
using Vit.Input;

namespace Vit.Core;

/// <summary>One tensor's entry in a safetensors header: where its bytes are relative to the data section.</summary>
internal sealed record SafeTensorsEntry(string Name, torch.ScalarType DType, long[] Shape, long Begin, long End);

/// <summary>
/// Reads and validates a safetensors header. Every number in it is checked against the file before anything is
/// allocated, so a corrupt or hostile file fails with <see cref="InvalidDataException"/> instead of a crash or a
/// huge allocation.
/// </summary>
internal sealed class SafeTensorsHeader
{
    /// <summary>The same cap the reference Rust implementation uses: headers are metadata, not data.</summary>
    public const long MaxHeaderLength = 100_000_000;

    private SafeTensorsHeader(long dataStart, IReadOnlyList<SafeTensorsEntry> entries, IReadOnlyDictionary<string, string> metadata)
    {
        DataStart = dataStart;
        Entries = entries;
        Metadata = metadata;
    }

    /// <summary>Byte position in the file where the data section begins.</summary>
    public long DataStart { get; }

    /// <summary>Tensors in header order.</summary>
    public IReadOnlyList<SafeTensorsEntry> Entries { get; }

    /// <summary>The <c>__metadata__</c> map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Reads the header of an open file and validates it against the file's length.</summary>
    public static SafeTensorsHeader Read(FileStream stream, string path)
    {
        long fileLength = stream.Length;
        if (fileLength < 8)
        {
            throw Corrupt(path, $"the file is {fileLength} bytes long, shorter than the 8-byte header-length prefix");
        }

        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        ulong headerLength = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > MaxHeaderLength)
        {
            throw Corrupt(path, $"the header length {headerLength} exceeds the limit of {MaxHeaderLength} bytes");
        }

        if ((long)headerLength > fileLength - 8)
        {
            throw Corrupt(path, $"the header length {headerLength} exceeds the {fileLength - 8} bytes after the prefix (truncated file?)");
        }

        var json = new byte[headerLength];
        stream.ReadExactly(json);
        long dataStart = 8 + (long)headerLength;
        return Parse(json, fileLength - dataStart, dataStart, path);
    }

    private static SafeTensorsHeader Parse(byte[] json, long dataLength, long dataStart, string path)
    {
        // Names are decoded to strings later; invalid UTF-8 would surface there as an unrelated exception.
        if (!System.Text.Unicode.Utf8.IsValid(json))
        {
            throw Corrupt(path, "the header is not valid UTF-8");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw Corrupt(path, $"the header is not valid JSON ({e.Message})", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Corrupt(path, $"the header is a JSON {document.RootElement.ValueKind}, expected an object");
            }

            var names = new HashSet<string>(StringComparer.Ordinal);
            var entries = new List<SafeTensorsEntry>();
            IReadOnlyDictionary<string, string> metadata = new Dictionary<string, string>();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!names.Add(property.Name))
                {
                    throw Corrupt(path, $"the header names '{property.Name}' twice");
                }

                if (property.Name == "__metadata__")
                {
                    metadata = ParseMetadata(property.Value, path);
                }
                else
                {
                    entries.Add(ParseEntry(property, path));
                }
            }

            // A key repeated inside a tensor's entry ("dtype" twice) would silently take one of the values.
            JsonInput.ThrowIfDuplicateKey(json, path);
            CheckLayout(entries, dataLength, path);
            return new SafeTensorsHeader(dataStart, entries, metadata);
        }
    }

    private static Dictionary<string, string> ParseMetadata(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Corrupt(path, $"__metadata__ is a JSON {element.ValueKind}, expected an object of strings");
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in element.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw Corrupt(path, $"__metadata__ entry '{item.Name}' is a JSON {item.Value.ValueKind}, expected a string");
            }

            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
            {
                throw Corrupt(path, $"__metadata__ names '{item.Name}' twice");
            }
        }

        return metadata;
    }

    private static SafeTensorsEntry ParseEntry(JsonProperty property, string path)
    {
        string name = property.Name;
        var value = property.Value;
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Corrupt(path, $"tensor '{name}' is described by a JSON {value.ValueKind}, expected an object");
        }

        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw Corrupt(path, $"tensor '{name}' has no string 'dtype'");
        }

        string dtypeName = dtypeElement.GetString()!;
        if (!SafeTensorsDType.TryParse(dtypeName, out var dtype, out int elementSize))
        {
            throw Corrupt(path, $"tensor '{name}' has dtype '{dtypeName}', which is not supported (supported: {SafeTensorsDType.SupportedNames})");
        }

        long[] shape = ReadIntegers(value, "shape", name, path);
        long[] offsets = ReadIntegers(value, "data_offsets", name, path);
        if (offsets.Length != 2 || offsets[0] > offsets[1])
        {
            throw Corrupt(path, $"tensor '{name}' has data_offsets [{string.Join(", ", offsets)}], expected [begin, end] with begin <= end");
        }

        long byteCount = ByteCount(shape, elementSize, name, path);
        if (offsets[1] - offsets[0] != byteCount)
        {
            throw Corrupt(path, $"tensor '{name}' ({dtypeName} [{string.Join(", ", shape)}]) needs {byteCount} bytes but its data_offsets [{offsets[0]}, {offsets[1]}] span {offsets[1] - offsets[0]}");
        }

        return new SafeTensorsEntry(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] ReadIntegers(JsonElement value, string field, string name, string path)
    {
        if (!value.TryGetProperty(field, out var array) || array.ValueKind != JsonValueKind.Array)
        {
            throw Corrupt(path, $"tensor '{name}' has no '{field}' array");
        }

        var result = new long[array.GetArrayLength()];
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long number) || number < 0)
            {
                throw Corrupt(path, $"tensor '{name}' has '{field}' item {item.GetRawText()}, expected a non-negative integer");
            }

            result[i++] = number;
        }

        return result;
    }

    /// <summary>
    /// The tensor's byte size. The product of its non-zero dimensions must fit too: libtorch checks every shape's
    /// size even when a zero dimension makes it empty, so [0, 2^62, 2^62] must fail here, not there.
    /// </summary>
    private static long ByteCount(long[] shape, int elementSize, string name, string path)
    {
        try
        {
            long count = elementSize;
            foreach (long dim in shape)
            {
                count = checked(count * Math.Max(dim, 1));
            }

            return shape.Contains(0) ? 0 : count;
        }
        catch (OverflowException e)
        {
            throw Corrupt(path, $"tensor '{name}' has shape [{string.Join(", ", shape)}], whose byte size overflows", e);
        }
    }

    /// <summary>
    /// The data section must be tiled exactly by the tensors, as the format requires: no overlaps (two tensors
    /// sharing bytes), no holes, nothing past the end of the file.
    /// </summary>
    private static void CheckLayout(List<SafeTensorsEntry> entries, long dataLength, string path)
    {
        var ordered = entries.OrderBy(e => e.Begin).ThenBy(e => e.End).ToList();
        long expected = 0;
        string? previous = null;
        foreach (var entry in ordered)
        {
            if (entry.Begin < expected)
            {
                throw Corrupt(path, $"tensor '{entry.Name}' (bytes {entry.Begin}..{entry.End}) overlaps tensor '{previous}' (ends at {expected})");
            }

            if (entry.Begin > expected)
            {
                throw Corrupt(path, $"data bytes {expected}..{entry.Begin} before tensor '{entry.Name}' belong to no tensor");
            }

            if (entry.End > dataLength)
            {
                throw Corrupt(path, $"tensor '{entry.Name}' ends at data byte {entry.End}, past the end of the data section ({dataLength} bytes; truncated file?)");
            }

            expected = entry.End;
            previous = entry.Name;
        }

        if (expected != dataLength)
        {
            throw Corrupt(path, $"the data section has {dataLength} bytes but the tensors cover only {expected}");
        }
    }

    private static InvalidDataException Corrupt(string path, string problem, Exception? inner = null) =>
        new($"'{path}' is not a valid safetensors file: {problem}.", inner);
}
