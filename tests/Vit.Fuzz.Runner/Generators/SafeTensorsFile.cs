using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;

namespace Vit.Fuzz;

/// <summary>
/// A safetensors file taken apart at the byte level (no libtorch): metadata, and each tensor's dtype, shape and bytes
/// in file order, so cases can edit a checkpoint's state or one tensor and write a well-formed file again.
/// </summary>
public sealed class SafeTensorsFile
{
    private SafeTensorsFile(Dictionary<string, string> metadata, List<(string Name, string DType, long[] Shape, byte[] Data)> tensors)
    {
        Metadata = metadata;
        Tensors = tensors;
    }

    /// <summary>Gets the <c>__metadata__</c> strings.</summary>
    public Dictionary<string, string> Metadata { get; }

    /// <summary>Gets the tensors in file order.</summary>
    public List<(string Name, string DType, long[] Shape, byte[] Data)> Tensors { get; }

    /// <summary>Takes a well-formed file apart.</summary>
    public static SafeTensorsFile Parse(byte[] file)
    {
        int headerLength = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(file));
        var header = JsonNode.Parse(Encoding.UTF8.GetString(file, 8, headerLength))!.AsObject();
        int dataStart = 8 + headerLength;
        var metadata = header["__metadata__"]?.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>()) ?? [];
        var tensors = header.Where(p => p.Key != "__metadata__")
            .Select(p => (p.Key, Entry: p.Value!.AsObject()))
            .OrderBy(p => p.Entry["data_offsets"]![0]!.GetValue<long>())
            .Select(p =>
            {
                long begin = p.Entry["data_offsets"]![0]!.GetValue<long>(), end = p.Entry["data_offsets"]![1]!.GetValue<long>();
                return (p.Key, p.Entry["dtype"]!.GetValue<string>(), p.Entry["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray(), file[(int)(dataStart + begin)..(int)(dataStart + end)]);
            })
            .ToList();
        return new SafeTensorsFile(metadata, tensors);
    }

    /// <summary>Writes the file again (header padded to 8 bytes, tensors tiling the data section in order).</summary>
    public byte[] ToBytes()
    {
        var header = new JsonObject { ["__metadata__"] = new JsonObject(Metadata.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value)))) };
        long offset = 0;
        foreach (var (name, dtype, shape, data) in Tensors)
        {
            header[name] = new JsonObject
            {
                ["dtype"] = dtype,
                ["shape"] = new JsonArray([.. shape.Select(d => (JsonNode?)JsonValue.Create(d))]),
                ["data_offsets"] = new JsonArray(offset, offset + data.Length),
            };
            offset += data.Length;
        }

        string json = header.ToJsonString();
        json += new string(' ', (8 - (Encoding.UTF8.GetByteCount(json) % 8)) % 8);
        return SafeTensorsReader.Make(json, [.. Tensors.SelectMany(t => t.Data)]);
    }

    /// <summary>Edits the JSON under metadata key <paramref name="key"/>.</summary>
    public SafeTensorsFile EditJson(string key, Action<JsonObject> edit)
    {
        var root = JsonNode.Parse(Metadata[key])!.AsObject();
        edit(root);
        Metadata[key] = root.ToJsonString();
        return this;
    }

    /// <summary>Replaces tensor <paramref name="name"/>'s dtype, shape and bytes.</summary>
    public SafeTensorsFile Replace(string name, string dtype, long[] shape, byte[] data)
    {
        int index = Tensors.FindIndex(t => t.Name == name);
        Tensors[index] = (name, dtype, shape, data);
        return this;
    }

    /// <summary>Gets tensor <paramref name="name"/>'s bytes (edit them in place).</summary>
    public byte[] Bytes(string name) => Tensors.Single(t => t.Name == name).Data;
}
