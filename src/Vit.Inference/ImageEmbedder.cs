using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Vit.Inference;

/// <summary>
/// Turns images into embeddings (timm's pre-logits: the pooled, normed features a classifier would read) with a model
/// folder (<c>config.json</c> + <c>model.onnx</c> with an <c>embeddings</c> output, as <c>vit export</c> writes it; a
/// folder without a classifier works too) on ONNX Runtime, preprocessing each image as the folder's timm or
/// transformers config says. One instance holds one session and is safe to call from many threads at once. Needs no
/// TorchSharp or libtorch.
/// </summary>
public sealed class ImageEmbedder : IDisposable
{
    /// <summary>The ONNX file's default name inside a model folder.</summary>
    public const string ModelFileName = "model.onnx";

    /// <summary>The graph output read, when the graph has it.</summary>
    public const string OutputName = "embeddings";

    private readonly SharedSession _session;
    private readonly ImagePreprocessor _preprocessor;
    private readonly string _inputName;
    private readonly string _outputName;
    private readonly bool _normalize;
    private readonly int? _fixedBatch;

    private ImageEmbedder(InferenceSession session, ImagePreprocessor preprocessor, string inputName, string outputName, int dimension, bool normalize, string provider)
    {
        int batch = session.InputMetadata[inputName].Dimensions[0];
        _fixedBatch = batch > 0 ? batch : null;
        _session = new SharedSession(session, typeof(ImageEmbedder));
        _preprocessor = preprocessor;
        _inputName = inputName;
        _outputName = outputName;
        _normalize = normalize;
        Dimension = dimension;
        ExecutionProvider = provider;
    }

    /// <summary>Gets the length of every embedding.</summary>
    public int Dimension { get; }

    /// <summary>Gets the number of channels the model takes (1 grayscale, 3 RGB).</summary>
    public int Channels => _preprocessor.Channels;

    /// <summary>Gets the model input's height in pixels.</summary>
    public int Height => _preprocessor.Height;

    /// <summary>Gets the model input's width in pixels.</summary>
    public int Width => _preprocessor.Width;

    /// <summary>Gets the execution provider the session runs on (<c>CPUExecutionProvider</c> or <c>CUDAExecutionProvider</c>).</summary>
    public string ExecutionProvider { get; }

    /// <summary>Loads a model folder.</summary>
    /// <param name="directory">A folder holding <c>config.json</c>, <c>model.onnx</c> and, for transformers' models, <c>preprocessor_config.json</c>.</param>
    /// <param name="options">Execution provider, threads, file name, L2 normalisation; <see langword="null"/> for the defaults.</param>
    /// <returns>The embedder.</returns>
    /// <exception cref="FileNotFoundException">The folder lacks <c>config.json</c> or the ONNX file.</exception>
    /// <exception cref="InvalidDataException">A config field is missing or impossible (the message names the file and field), or the graph has no embeddings output.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid (one failure per bad field).</exception>
    /// <exception cref="InvalidOperationException">CUDA was asked for and this ONNX Runtime has no CUDA execution provider.</exception>
    public static ImageEmbedder Load(string directory, ImageEmbedderOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        options ??= new ImageEmbedderOptions();
        OptionsCheck.ThrowIfInvalid(options);
        var folder = ModelFolder.Read(directory);
        string modelPath = Path.Combine(directory, options.ModelFileName);
        var (session, provider) = InferenceSessions.Open(modelPath, nameof(ImageEmbedder), options.ExecutionProvider, options.DeviceId, options.IntraOpNumThreads);
        try
        {
            var (inputName, outputName, dimension) = CheckGraph(session, modelPath, folder);
            return new ImageEmbedder(session, new ImagePreprocessor(folder.Preprocessing), inputName, outputName, dimension, options.Normalize, provider);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>The cosine of the angle between two embeddings: 1 same direction, 0 orthogonal, -1 opposite (0 when either is all zeros).</summary>
    /// <param name="a">One embedding.</param>
    /// <param name="b">Another, of the same length.</param>
    /// <returns>The cosine similarity, computed in double precision.</returns>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static double CosineSimilarity(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The embeddings have {a.Length} and {b.Length} values; they must have the same length."), nameof(b));
        }

        double dot = 0, normA = 0, normB = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            normA += (double)a[i] * a[i];
            normB += (double)b[i] * b[i];
        }

        return normA == 0 || normB == 0 ? 0 : dot / Math.Sqrt(normA * normB);
    }

    /// <summary>Embeds an image file (PNG, JPEG, WebP, GIF or BMP).</summary>
    /// <param name="imagePath">The image file.</param>
    /// <returns>Its embedding, <see cref="Dimension"/> values.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a decodable image.</exception>
    public float[] Embed(string imagePath) => EmbedBatch([imagePath])[0];

    /// <summary>Embeds an encoded image read from a stream (read to its end; not disposed).</summary>
    /// <param name="image">The stream.</param>
    /// <returns>Its embedding.</returns>
    /// <exception cref="InvalidDataException">The stream does not hold a decodable image.</exception>
    public float[] Embed(Stream image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var input = new float[_preprocessor.InputLength];
        _preprocessor.Prepare(image, "The stream", input);
        return Split(EmbedPrepared(input, 1), 1)[0];
    }

    /// <summary>Embeds an encoded image held in memory (the bytes of a PNG or JPEG file).</summary>
    /// <param name="image">The encoded image.</param>
    /// <returns>Its embedding.</returns>
    /// <exception cref="InvalidDataException">The bytes are not a decodable image.</exception>
    public float[] Embed(byte[] image) => EmbedBatch([image])[0];

    /// <summary>Embeds image files in one ONNX Runtime call.</summary>
    /// <param name="imagePaths">The image files.</param>
    /// <returns>One embedding per image, in order.</returns>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="InvalidDataException">A file is not a decodable image (the message names it).</exception>
    public IReadOnlyList<float[]> EmbedBatch(IReadOnlyList<string> imagePaths)
    {
        ArgumentNullException.ThrowIfNull(imagePaths);
        return Run(imagePaths.Count, (i, buffer, offset) =>
        {
            string path = imagePaths[i];
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"Image '{path}' does not exist.", path);
            }

            using var stream = File.OpenRead(path);
            _preprocessor.Prepare(stream, $"'{path}'", buffer.AsSpan(offset, _preprocessor.InputLength));
        });
    }

    /// <summary>Embeds encoded images held in memory in one ONNX Runtime call.</summary>
    /// <param name="images">The encoded images.</param>
    /// <returns>One embedding per image, in order.</returns>
    /// <exception cref="InvalidDataException">An image is not decodable (the message gives its index).</exception>
    public IReadOnlyList<float[]> EmbedBatch(IReadOnlyList<byte[]> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        return Run(images.Count, (i, buffer, offset) =>
        {
            ArgumentNullException.ThrowIfNull(images[i], nameof(images));
            using var stream = new MemoryStream(images[i], writable: false);
            _preprocessor.Prepare(stream, string.Create(CultureInfo.InvariantCulture, $"Image {i} of the batch"), buffer.AsSpan(offset, _preprocessor.InputLength));
        });
    }

    /// <summary>
    /// Runs the model on images that are already prepared (resized, cropped, normalised, planar), for callers with
    /// their own preprocessing (e.g. tensors from a dataset) and for benchmarks.
    /// </summary>
    /// <param name="images"><c>batchSize * Channels * Height * Width</c> floats, <c>[N, C, H, W]</c>.</param>
    /// <param name="batchSize">The number of images.</param>
    /// <returns>The embeddings, <c>[N, Dimension]</c> row-major (L2-normalised when the options say so).</returns>
    /// <exception cref="ArgumentException">The buffer's length does not match the batch.</exception>
    public float[] EmbedPrepared(float[] images, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (images.Length != batchSize * _preprocessor.InputLength)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Expected {batchSize} x {Channels} x {Height} x {Width} = {batchSize * _preprocessor.InputLength} floats, got {images.Length}."), nameof(images));
        }

        if (_fixedBatch is int fixedBatch && batchSize != fixedBatch)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The ONNX graph was exported with a fixed batch of {fixedBatch}; got {batchSize} images. Export with a dynamic batch (the default) to embed any number."), nameof(batchSize));
        }

        var tensor = new DenseTensor<float>(images, [batchSize, Channels, Height, Width]);
        float[] embeddings = _session.Use(session =>
        {
            using var results = session.Run([NamedOnnxValue.CreateFromTensor(_inputName, tensor)], [_outputName]);
            return results[0].AsEnumerable<float>().ToArray();
        });
        if (_normalize)
        {
            for (int i = 0; i < batchSize; i++)
            {
                NormalizeInPlace(embeddings.AsSpan(i * Dimension, Dimension));
            }
        }

        return embeddings;
    }

    /// <summary>
    /// Releases the ONNX Runtime session. Calls already running on other threads finish first (the last one releases the
    /// session); calls made after this throw <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Dispose() => _session.Dispose();

    /// <summary>Finds the embeddings output: <c>embeddings</c>, or the only output of a model without a classifier (its pooled features).</summary>
    private static (string Input, string Output, int Dimension) CheckGraph(InferenceSession session, string modelPath, ModelFolder folder)
    {
        var outputs = session.OutputMetadata;
        string? outputName = outputs.ContainsKey(OutputName) ? OutputName
            : outputs.Count == 1 && folder.NumClasses == 0 ? outputs.Keys.Single()
            : null;
        if (session.InputMetadata.Count != 1 || outputName is null)
        {
            throw new InvalidDataException(
                $"'{modelPath}' has the outputs [{string.Join(", ", outputs.Keys)}] but no '{OutputName}' output; export it with `vit export <folder> <out> --outputs embeddings` (OnnxExportOptions.Outputs).");
        }

        var (inputName, input) = session.InputMetadata.First();
        int[] expected = [folder.Preprocessing.Channels, folder.Preprocessing.Height, folder.Preprocessing.Width];
        int[] inputShape = input.Dimensions, outputShape = outputs[outputName].Dimensions;
        bool inputFits = inputShape.Length == 4 && inputShape.Skip(1).Select((d, i) => d <= 0 || d == expected[i]).All(ok => ok);
        if (!inputFits || input.ElementType != typeof(float) || outputShape.Length != 2 || outputShape[1] <= 0)
        {
            throw new InvalidDataException(
                $"'{modelPath}' takes {input.ElementType.Name} [{string.Join(", ", inputShape)}] and gives '{outputName}' [{string.Join(", ", outputShape)}], but the folder's preprocessing makes float [N, {string.Join(", ", expected)}] images and an embedding is [N, D]; export the model again next to its config.");
        }

        return (inputName, outputName, outputShape[1]);
    }

    private static void NormalizeInPlace(Span<float> embedding)
    {
        double sum = 0;
        foreach (float v in embedding)
        {
            sum += (double)v * v;
        }

        // An all-zero embedding has no direction: it stays zero rather than becoming NaN.
        float scale = sum > 0 ? (float)(1 / Math.Sqrt(sum)) : 0f;
        for (int i = 0; i < embedding.Length; i++)
        {
            embedding[i] *= scale;
        }
    }

    private List<float[]> Split(float[] embeddings, int count) =>
        [.. Enumerable.Range(0, count).Select(i => embeddings.AsSpan(i * Dimension, Dimension).ToArray())];

    private List<float[]> Run(int count, Action<int, float[], int> prepare)
    {
        if (count == 0)
        {
            return [];
        }

        int length = _preprocessor.InputLength;
        var input = new float[count * length];
        for (int i = 0; i < count; i++)
        {
            prepare(i, input, i * length);
        }

        return Split(EmbedPrepared(input, count), count);
    }
}
