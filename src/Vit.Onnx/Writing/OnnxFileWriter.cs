using System.Globalization;
using System.Text;
using Google.Protobuf;
using Onnx;
using Vit.Core;

namespace Vit.Onnx;

/// <summary>
/// Writes a graph to disk atomically (<see cref="AtomicFile.WriteAll"/>): the graph, its external data
/// (<c>{file}.data</c>, ONNX's convention, located relative to the graph) and the folder's config.json entry are
/// written to flushed temporary files first and renamed into place only when all were written, so a failed export
/// leaves the folder as it was.
/// </summary>
internal static class OnnxFileWriter
{
    /// <summary>Initializer bytes above which one protobuf file cannot hold the model (its limit is 2 GiB; the rest is margin for the graph).</summary>
    public const long SingleFileLimitBytes = 2_000_000_000;

    /// <summary>Tensors smaller than this stay in the graph (shapes, scalars), as ONNX's own converter does.</summary>
    private const int ExternalThresholdBytes = 1024;

    /// <summary>Each external tensor starts on a page boundary, so ONNX Runtime can map it instead of copying.</summary>
    private const int Alignment = 4096;

    /// <summary>The external data file's name for a graph file: <c>model.onnx</c> → <c>model.onnx.data</c>.</summary>
    public static string DataFileName(string graphFileName) => graphFileName + ".data";

    /// <summary>Whether the weights go beside the graph, or an error if they must and may not.</summary>
    public static bool UsesExternalData(ModelProto model, OnnxExternalData mode)
    {
        long bytes = InitializerData.Bytes(model.Graph);
        return mode switch
        {
            OnnxExternalData.Always => true,
            OnnxExternalData.Never when bytes > SingleFileLimitBytes => throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"The model's weights take {bytes:N0} bytes, more than one ONNX file holds ({SingleFileLimitBytes:N0}); OnnxExportOptions.ExternalData is Never, so nothing was written: use Auto or Always to write them beside the graph.")),
            _ => bytes > SingleFileLimitBytes,
        };
    }

    public static void Write(ModelProto model, string path, bool external, string precisionName)
    {
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' has no folder.", nameof(path));
        string fileName = Path.GetFileName(full);
        string dataPath = Path.Combine(folder, DataFileName(fileName));
        foreach (string target in external ? new[] { full, dataPath } : [full])
        {
            if (Directory.Exists(target))
            {
                throw new IOException($"'{target}' is a folder, so the export cannot put its file there; nothing was written.");
            }
        }

        string? configText = ModelFolderConfig.WithOnnxFile(folder, fileName, precisionName, external ? DataFileName(fileName) : null);
        Directory.CreateDirectory(folder);

        // The data first, so the graph in place never points at weights that are not there yet.
        var files = new List<(string, Action<Stream>)>(3);
        if (external)
        {
            files.Add((dataPath, stream => MoveToExternalData(model.Graph, stream, DataFileName(fileName))));
        }

        files.Add((full, model.WriteTo));
        if (configText is not null)
        {
            files.Add((Path.Combine(folder, ModelFolderConfig.FileName), stream => stream.Write(Encoding.UTF8.GetBytes(configText))));
        }

        AtomicFile.WriteAll(files);
        if (!external && File.Exists(dataPath))
        {
            // An earlier external export's weights: the new graph holds its own.
            File.Delete(dataPath);
        }
    }

    /// <summary>Streams every initializer of 1 KiB or more into <paramref name="data"/> and points the graph at it (<paramref name="location"/>).</summary>
    private static void MoveToExternalData(GraphProto graph, Stream data, string location)
    {
        foreach (var tensor in graph.Initializer.Where(t => t.RawData.Length >= ExternalThresholdBytes))
        {
            long offset = (data.Position + Alignment - 1) / Alignment * Alignment;
            data.SetLength(offset);
            data.Position = offset;
            tensor.RawData.WriteTo(data);
            long length = tensor.RawData.Length;
            tensor.RawData = ByteString.Empty;
            tensor.DataLocation = TensorProto.Types.DataLocation.External;
            tensor.ExternalData.Add(Entry("location", location));
            tensor.ExternalData.Add(Entry("offset", offset.ToString(CultureInfo.InvariantCulture)));
            tensor.ExternalData.Add(Entry("length", length.ToString(CultureInfo.InvariantCulture)));
        }
    }

    private static StringStringEntryProto Entry(string key, string value) => new() { Key = key, Value = value };
}
