using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Vit.Input;

namespace Vit.Inference;

/// <summary>
/// Classifies images with a model folder (<c>config.json</c> + <c>model.onnx</c>, as <c>SavePretrained</c> and
/// <c>ExportOnnx</c> write them) on ONNX Runtime, preprocessing each image as timm's evaluation transform does.
/// One instance holds one ONNX Runtime session and is safe to call from many threads at once; dispose it when done.
/// Needs no TorchSharp or libtorch.
/// </summary>
public sealed class ImageClassifier : IDisposable
{
    /// <summary>The ONNX file's default name inside a model folder.</summary>
    public const string ModelFileName = "model.onnx";

    private readonly SharedSession _session;
    private readonly ImagePreprocessor _preprocessor;
    private readonly string _inputName;
    private readonly string _outputName;
    private readonly int? _fixedBatch;
    private readonly string _modelPath;

    private ImageClassifier(InferenceSession session, string modelPath, ImagePreprocessor preprocessor, IReadOnlyList<string> classNames, string inputName, string outputName, string provider)
    {
        _modelPath = modelPath;
        int batch = session.InputMetadata[inputName].Dimensions[0];
        _fixedBatch = batch > 0 ? batch : null;
        _session = new SharedSession(session, typeof(ImageClassifier));
        _preprocessor = preprocessor;
        ClassNames = classNames;
        _inputName = inputName;
        _outputName = outputName;
        ExecutionProvider = provider;
    }

    /// <summary>Gets the class names by class index.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Gets the number of channels the model takes (1 grayscale, 3 RGB).</summary>
    public int Channels => _preprocessor.Channels;

    /// <summary>Gets the side of the (square) model input, in pixels.</summary>
    public int ImageSize => _preprocessor.Height;

    /// <summary>Gets the execution provider the session runs on (<c>CPUExecutionProvider</c> or <c>CUDAExecutionProvider</c>).</summary>
    public string ExecutionProvider { get; }

    /// <summary>Loads a model folder.</summary>
    /// <param name="directory">A folder holding <c>config.json</c> and <c>model.onnx</c>.</param>
    /// <param name="options">Execution provider, threads, file name; <see langword="null"/> for the defaults.</param>
    /// <returns>The classifier.</returns>
    /// <exception cref="FileNotFoundException">The folder lacks <c>config.json</c> or the ONNX file.</exception>
    /// <exception cref="InvalidDataException">A file is corrupt, a field is missing or wrong, the config comes from a newer Vit, or the ONNX graph does not fit the config.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid (one failure per bad field).</exception>
    /// <exception cref="InvalidOperationException">CUDA was asked for and this ONNX Runtime has no CUDA execution provider.</exception>
    public static ImageClassifier Load(string directory, ImageClassifierOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        options ??= new ImageClassifierOptions();
        OptionsCheck.ThrowIfInvalid(options);
        var folder = ModelFolder.Read(directory);
        if (folder.NumClasses == 0)
        {
            throw new InvalidDataException($"'{folder.ConfigPath}': num_classes is 0: the folder holds a model without a classifier (a backbone); load it with ImageEmbedder.Load for its embeddings.");
        }

        var plan = folder.Preprocessing;
        if (plan.Height != plan.Width)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"'{folder.ConfigPath}': the input is {plan.Height}x{plan.Width}; ImageClassifier takes square inputs."));
        }

        string modelPath = Path.Combine(directory, options.ModelFileName);
        var (session, provider) = InferenceSessions.Open(modelPath, nameof(ImageClassifier), options.ExecutionProvider, options.DeviceId, options.IntraOpNumThreads);
        try
        {
            var (inputName, outputName) = CheckGraph(session, modelPath, folder);
            return new ImageClassifier(session, modelPath, new ImagePreprocessor(plan), folder.LabelNames, inputName, outputName, provider);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Classifies an image file (PNG, JPEG, WebP, GIF or BMP).</summary>
    /// <param name="imagePath">The image file.</param>
    /// <param name="topK">How many classes to return, most probable first (at most the number of classes).</param>
    /// <returns>The <paramref name="topK"/> most probable classes.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// The file is not a regular file or not a decodable image, is truncated, declares more pixels than Vit decodes, or the
    /// model's logits are not finite (the message names the file).
    /// </exception>
    /// <exception cref="ObjectDisposedException">The classifier was disposed.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="topK"/> is not positive.</exception>
    public IReadOnlyList<Prediction> Classify(string imagePath, int topK = 5) => ClassifyBatch([imagePath], topK)[0];

    /// <summary>Classifies an encoded image read from a stream (read to its end; not disposed).</summary>
    /// <param name="image">The stream.</param>
    /// <param name="topK">How many classes to return, most probable first.</param>
    /// <returns>The <paramref name="topK"/> most probable classes.</returns>
    /// <exception cref="InvalidDataException">The stream does not hold a decodable image.</exception>
    public IReadOnlyList<Prediction> Classify(Stream image, int topK = 5)
    {
        ArgumentNullException.ThrowIfNull(image);
        CheckTopK(topK);
        var input = new float[_preprocessor.InputLength];
        _preprocessor.Prepare(image, "The stream", input);
        return TopK(Logits(input, 1), 1, topK)[0];
    }

    /// <summary>Classifies an encoded image held in memory (the bytes of a PNG or JPEG file).</summary>
    /// <param name="image">The encoded image.</param>
    /// <param name="topK">How many classes to return, most probable first.</param>
    /// <returns>The <paramref name="topK"/> most probable classes.</returns>
    /// <exception cref="InvalidDataException">The bytes are not a decodable image.</exception>
    public IReadOnlyList<Prediction> Classify(byte[] image, int topK = 5) => ClassifyBatch([image], topK)[0];

    /// <summary>Classifies image files in one ONNX Runtime call.</summary>
    /// <param name="imagePaths">The image files.</param>
    /// <param name="topK">How many classes to return per image, most probable first.</param>
    /// <returns>One list of predictions per image, in order.</returns>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="InvalidDataException">A file is not a decodable image (the message names it).</exception>
    public IReadOnlyList<IReadOnlyList<Prediction>> ClassifyBatch(IReadOnlyList<string> imagePaths, int topK = 5)
    {
        ArgumentNullException.ThrowIfNull(imagePaths);
        CheckTopK(topK);
        return Run(imagePaths.Count, topK, (i, buffer, offset) =>
        {
            string path = imagePaths[i];
            RegularFile.ThrowIfSpecial(path);
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"Image '{path}' does not exist.", path);
            }

            using var stream = File.OpenRead(path);
            _preprocessor.Prepare(stream, $"'{path}'", buffer.AsSpan(offset, _preprocessor.InputLength));
        });
    }

    /// <summary>Classifies encoded images held in memory in one ONNX Runtime call.</summary>
    /// <param name="images">The encoded images.</param>
    /// <param name="topK">How many classes to return per image, most probable first.</param>
    /// <returns>One list of predictions per image, in order.</returns>
    /// <exception cref="InvalidDataException">An image is not decodable (the message gives its index).</exception>
    public IReadOnlyList<IReadOnlyList<Prediction>> ClassifyBatch(IReadOnlyList<byte[]> images, int topK = 5)
    {
        ArgumentNullException.ThrowIfNull(images);
        CheckTopK(topK);
        return Run(images.Count, topK, (i, buffer, offset) =>
        {
            ArgumentNullException.ThrowIfNull(images[i], nameof(images));
            using var stream = new MemoryStream(images[i], writable: false);
            _preprocessor.Prepare(stream, string.Create(CultureInfo.InvariantCulture, $"Image {i} of the batch"), buffer.AsSpan(offset, _preprocessor.InputLength));
        });
    }

    /// <summary>
    /// Runs the model on images that are already prepared (resized, cropped, normalised, planar), for callers with
    /// their own preprocessing and for benchmarks.
    /// </summary>
    /// <param name="images"><c>batchSize * Channels * ImageSize * ImageSize</c> floats, <c>[N, C, H, W]</c>.</param>
    /// <param name="batchSize">The number of images.</param>
    /// <returns>The logits, <c>[N, classes]</c> row-major.</returns>
    /// <exception cref="ArgumentException">The buffer's length does not match the batch.</exception>
    public float[] Logits(float[] images, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (images.Length != (long)batchSize * _preprocessor.InputLength)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Expected {batchSize} x {Channels} x {ImageSize} x {ImageSize} = {(long)batchSize * _preprocessor.InputLength} floats, got {images.Length}."), nameof(images));
        }

        if (_fixedBatch is int fixedBatch && batchSize != fixedBatch)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The ONNX graph was exported with a fixed batch of {fixedBatch}; got {batchSize} images. Export with OnnxExportOptions.DynamicBatch (the default) to classify any number."), nameof(batchSize));
        }

        var tensor = new DenseTensor<float>(images, [batchSize, Channels, ImageSize, ImageSize]);
        return _session.Use(session =>
        {
            using var results = session.Run([NamedOnnxValue.CreateFromTensor(_inputName, tensor)], [_outputName]);
            var logits = results[0].AsTensor<float>();
            int classes = ClassNames.Count;
            if (logits.Rank != 2 || logits.Dimensions[0] != batchSize || logits.Dimensions[1] != classes)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"'{_modelPath}' gave logits of shape [{string.Join(", ", logits.Dimensions.ToArray())}] for {batchSize} images; config.json describes {classes} classes, so [{batchSize}, {classes}] was expected."));
            }

            return logits.ToArray();
        });
    }

    /// <summary>
    /// Releases the ONNX Runtime session. Calls already running on other threads finish first (the last one releases the
    /// session); calls made after this throw <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Dispose() => _session.Dispose();

    private static (string Input, string Output) CheckGraph(InferenceSession session, string modelPath, ModelFolder config)
    {
        if (session.InputMetadata.Count != 1 || session.OutputMetadata.Count < 1)
        {
            throw new InvalidDataException($"'{modelPath}' has {session.InputMetadata.Count} inputs and {session.OutputMetadata.Count} outputs; expected one image input and a logits output.");
        }

        var (inputName, input) = session.InputMetadata.First();
        // A graph exported with several outputs (logits, embeddings, tokens) is classified through its logits.
        var (outputName, output) = session.OutputMetadata.FirstOrDefault(o => o.Key == "logits", session.OutputMetadata.First());
        int[] expected = [config.Preprocessing.Channels, config.Preprocessing.Height, config.Preprocessing.Width];
        int[] inputShape = input.Dimensions;
        bool inputFits = inputShape.Length == 4 && inputShape.Skip(1).Select((d, i) => d <= 0 || d == expected[i]).All(ok => ok);
        int[] outputShape = output.Dimensions;
        bool outputFits = outputShape.Length == 2 && (outputShape[1] <= 0 || outputShape[1] == config.NumClasses);
        if (!inputFits || !outputFits || input.ElementType != typeof(float) || output.ElementType != typeof(float))
        {
            throw new InvalidDataException(
                $"'{modelPath}' takes {input.ElementType.Name} [{string.Join(", ", inputShape)}] and gives {output.ElementType.Name} [{string.Join(", ", outputShape)}], but config.json describes Single [N, {string.Join(", ", expected)}] images and Single [N, {config.NumClasses}] logits; export the model again next to its config.");
        }

        return (inputName, outputName);
    }

    private static void CheckTopK(int topK)
    {
        if (topK <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(topK), topK, $"topK is {topK}; it must be at least 1.");
        }
    }

    private List<IReadOnlyList<Prediction>> Run(int count, int topK, Action<int, float[], int> prepare)
    {
        if (count == 0)
        {
            return [];
        }

        int length = _preprocessor.InputLength;
        if ((long)count * length > Array.MaxLength)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{count} images of {length} floats each are more than one array holds; classify them in smaller batches."));
        }

        var input = new float[count * length];
        for (int i = 0; i < count; i++)
        {
            prepare(i, input, i * length);
        }

        return TopK(Logits(input, count), count, topK);
    }

    private List<IReadOnlyList<Prediction>> TopK(float[] logits, int count, int topK)
    {
        int classes = ClassNames.Count, k = Math.Min(topK, classes);
        var results = new List<IReadOnlyList<Prediction>>(count);
        for (int i = 0; i < count; i++)
        {
            var row = logits.AsSpan(i * classes, classes);
            float max = float.NegativeInfinity;
            foreach (float v in row)
            {
                if (!float.IsFinite(v))
                {
                    throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                        $"'{_modelPath}' gave a non-finite logit ({v}) for image {i} of the batch; the model's weights or graph are broken, so no probabilities can be given."));
                }

                max = Math.Max(max, v);
            }

            var probabilities = new double[classes];
            double total = 0;
            for (int c = 0; c < classes; c++)
            {
                probabilities[c] = Math.Exp(row[c] - max);
                total += probabilities[c];
            }

            results.Add([.. Enumerable.Range(0, classes)
                .OrderByDescending(c => probabilities[c])
                .ThenBy(c => c)
                .Take(k)
                .Select(c => new Prediction(ClassNames[c], c, probabilities[c] / total))]);
        }

        return results;
    }
}
