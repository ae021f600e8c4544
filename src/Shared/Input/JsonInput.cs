using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vit.Input;

/// <summary>
/// Parses untrusted JSON files: size and depth bounded, and a key given twice in one object is an error naming it
/// (System.Text.Json's nodes would throw an unrelated ArgumentException, its documents keep either value silently).
/// </summary>
internal static class JsonInput
{
    /// <summary>Reads a JSON file into a node.</summary>
    /// <param name="path">The file (regular, at most <see cref="InputLimits.MaxJsonBytes"/>).</param>
    /// <returns>The root node (null for the JSON literal null).</returns>
    /// <exception cref="InvalidDataException">The file is special, too large, not JSON, too deep, or repeats a key.</exception>
    public static JsonNode? ReadFile(string path)
    {
        byte[] bytes;
        using (var stream = RegularFile.OpenRead(path, InputLimits.MaxJsonBytes))
        {
            bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
        }

        // A UTF-8 byte order mark (Windows editors write one) is not JSON: skip it, as File.ReadAllText does.
        var json = bytes.AsMemory(bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0);
        try
        {
            ThrowIfDuplicateKey(json.Span, path);
            return JsonNode.Parse(json.Span, documentOptions: new JsonDocumentOptions { MaxDepth = InputLimits.MaxJsonDepth });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>Scans UTF-8 JSON and throws at the first key an object holds twice.</summary>
    /// <param name="utf8">The JSON.</param>
    /// <param name="path">The file, for the message.</param>
    /// <exception cref="InvalidDataException">A key appears twice in one object.</exception>
    /// <exception cref="JsonException">The text is not JSON or nests deeper than <see cref="InputLimits.MaxJsonDepth"/>.</exception>
    public static void ThrowIfDuplicateKey(ReadOnlySpan<byte> utf8, string path)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = InputLimits.MaxJsonDepth });
        var open = new Stack<(HashSet<string>? Keys, string Where)>();
        string lastKey = string.Empty;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    string where = open.Count == 0 ? "$" : open.Peek().Keys is null ? open.Peek().Where + "[]" : open.Peek().Where + "." + lastKey;
                    open.Push((reader.TokenType == JsonTokenType.StartObject ? new HashSet<string>(StringComparer.Ordinal) : null, where));
                    break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    open.Pop();
                    break;
                case JsonTokenType.PropertyName:
                    lastKey = reader.GetString()!;
                    if (!open.Peek().Keys!.Add(lastKey))
                    {
                        throw new InvalidDataException($"'{path}': the key '{lastKey}' appears twice in {open.Peek().Where}; each key may appear once per object.");
                    }

                    break;
            }
        }
    }
}
