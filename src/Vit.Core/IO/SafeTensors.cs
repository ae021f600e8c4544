using System.Text.Json;
using TorchSharp;
using Vit.Input;
using static TorchSharp.torch;

namespace Vit.Core;

/// <summary>
/// Reads and writes the safetensors format (8-byte little-endian header length, a JSON header naming each tensor's
/// dtype, shape and byte range, then the raw little-endian data), the format timm and Hugging Face publish weights in.
/// </summary>
/// <remarks>
/// Files are validated before anything is allocated: corrupt or truncated files throw
/// <see cref="InvalidDataException"/> naming the file and the problem. Supported dtypes: F64, F32, F16, BF16,
/// I64, I32, I16, I8, U8, BOOL.
/// </remarks>
public static class SafeTensors
{
    private const int CopyBufferSize = 1 << 20;

    /// <summary>Loads every tensor of a safetensors file as a CPU tensor, keyed by name.</summary>
    /// <param name="path">The file to read.</param>
    /// <returns>The tensors, in the order the header lists them. The caller owns (and disposes) them.</returns>
    /// <exception cref="InvalidDataException">The path is not a regular file, the file is truncated or its header is inconsistent.</exception>
    public static Dictionary<string, Tensor> Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = RegularFile.OpenRead(path, bufferSize: 1);
        var header = SafeTensorsHeader.Read(stream, path);
        var result = new Dictionary<string, Tensor>(header.Entries.Count, StringComparer.Ordinal);
        try
        {
            foreach (var entry in header.Entries)
            {
                var tensor = torch.empty(entry.Shape, entry.DType, torch.CPU);
                result.Add(entry.Name, tensor);
                long byteCount = entry.End - entry.Begin;
                if (byteCount > 0)
                {
                    stream.Position = header.DataStart + entry.Begin;
                    tensor.ReadBytesFromStream(stream, (int)Math.Min(byteCount, CopyBufferSize));
                }
            }
        }
        catch
        {
            foreach (var tensor in result.Values)
            {
                tensor.Dispose();
            }

            throw;
        }

        return result;
    }

    /// <summary>Reads the <c>__metadata__</c> string map of a safetensors file without loading its tensors.</summary>
    /// <param name="path">The file to read.</param>
    /// <returns>The metadata; empty when the file has none.</returns>
    /// <exception cref="InvalidDataException">The path is not a regular file, the file is truncated or its header is inconsistent.</exception>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = RegularFile.OpenRead(path, bufferSize: 1);
        return SafeTensorsHeader.Read(stream, path).Metadata;
    }

    /// <summary>
    /// Writes tensors to a safetensors file, atomically (<see cref="AtomicFile"/>): a crash never leaves a half-written file.
    /// </summary>
    /// <param name="path">The file to write (replaced if it exists).</param>
    /// <param name="tensors">Names and tensors, on any device; they are copied to the CPU, not modified.</param>
    /// <param name="metadata">Optional string map stored as <c>__metadata__</c>.</param>
    /// <exception cref="ArgumentException">A name is empty, repeated or reserved, or a dtype is not supported.</exception>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        using var scope = torch.NewDisposeScope();
        var items = Prepare(tensors);
        byte[] header = BuildHeader(items, metadata);
        AtomicFile.Write(path, stream =>
        {
            Span<byte> prefix = stackalloc byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
            stream.Write(prefix);
            stream.Write(header);
            foreach (var (_, tensor, _) in items)
            {
                long byteCount = tensor.NumberOfElements * tensor.ElementSize;
                if (byteCount > 0)
                {
                    tensor.WriteBytesToStream(stream, (int)Math.Min(byteCount, CopyBufferSize));
                }
            }
        });
    }

    private static List<(string Name, Tensor Data, string DType)> Prepare(IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var items = new List<(string, Tensor, string)>();
        foreach (var (name, tensor) in tensors)
        {
            if (string.IsNullOrEmpty(name) || name == "__metadata__")
            {
                throw new ArgumentException($"Tensor name '{name}' is empty or reserved.", nameof(tensors));
            }

            if (!names.Add(name))
            {
                throw new ArgumentException($"Tensor name '{name}' appears twice.", nameof(tensors));
            }

            ArgumentNullException.ThrowIfNull(tensor, nameof(tensors));
            string dtype = SafeTensorsDType.NameOf(tensor.dtype)
                ?? throw new ArgumentException($"Tensor '{name}' has dtype {tensor.dtype}, which safetensors cannot store here (supported: {SafeTensorsDType.SupportedNames}).", nameof(tensors));

            // detach/cpu/contiguous make new handles (and copies only when needed); the scope frees them.
            items.Add((name, tensor.detach().cpu().contiguous(), dtype));
        }

        return items;
    }

    private static byte[] BuildHeader(List<(string Name, Tensor Data, string DType)> items, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata)
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach (var (name, tensor, dtype) in items)
            {
                long end = offset + (tensor.NumberOfElements * tensor.ElementSize);
                json.WriteStartObject(name);
                json.WriteString("dtype", dtype);
                json.WriteStartArray("shape");
                foreach (long dim in tensor.shape)
                {
                    json.WriteNumberValue(dim);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(end);
                json.WriteEndArray();
                json.WriteEndObject();
                offset = end;
            }

            json.WriteEndObject();
        }

        // Pad with spaces (valid JSON whitespace) so the data section starts 8-byte aligned, as the reference writer does.
        long padding = (8 - (buffer.Length % 8)) % 8;
        for (long i = 0; i < padding; i++)
        {
            buffer.WriteByte((byte)' ');
        }

        return buffer.ToArray();
    }
}
