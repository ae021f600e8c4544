using System.Globalization;
using Google.Protobuf;
using Onnx;

namespace Vit.Onnx;

/// <summary>
/// Writes a graph to disk atomically: the graph, its external data (<c>{file}.data</c>, ONNX's convention, located
/// relative to the graph) and the folder's config.json entry are written to temporary files first and renamed into
/// place only when all were written, so a failed export leaves the folder as it was.
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

        var temporaries = new List<string>();
        string Temporary(string final)
        {
            string name = $"{final}.{Guid.NewGuid():N}.tmp";
            temporaries.Add(name);
            return name;
        }

        try
        {
            string? dataTemporary = external ? Temporary(dataPath) : null;
            if (dataTemporary is not null)
            {
                MoveToExternalData(model.Graph, dataTemporary, DataFileName(fileName));
            }

            string graphTemporary = Temporary(full);
            using (var stream = File.Create(graphTemporary))
            {
                model.WriteTo(stream);
            }

            string configPath = Path.Combine(folder, ModelFolderConfig.FileName);
            string? configTemporary = configText is null ? null : Temporary(configPath);
            if (configTemporary is not null)
            {
                File.WriteAllText(configTemporary, configText);
            }

            // The data first, so the graph in place never points at weights that are not there yet.
            if (dataTemporary is not null)
            {
                File.Move(dataTemporary, dataPath, overwrite: true);
            }

            File.Move(graphTemporary, full, overwrite: true);
            if (configTemporary is not null)
            {
                File.Move(configTemporary, configPath, overwrite: true);
            }

            if (!external && File.Exists(dataPath))
            {
                // An earlier external export's weights: the new graph holds its own.
                File.Delete(dataPath);
            }
        }
        finally
        {
            foreach (string temporary in temporaries.Where(File.Exists))
            {
                File.Delete(temporary);
            }
        }
    }

    /// <summary>Streams every initializer of 1 KiB or more into <paramref name="dataPath"/> and points the graph at it.</summary>
    private static void MoveToExternalData(GraphProto graph, string dataPath, string location)
    {
        using var data = new FileStream(dataPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
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
