using SkiaSharp;
using Vit.Inference;

namespace Vit.Fuzz;

/// <summary>Dispose of an ImageClassifier while threads classify (issue 21, item 1): ObjectDisposedException, never a native crash.</summary>
public sealed class ClassifierDisposeReader : IFuzzReader
{
    private const string Outcome = "every thread finished or saw ObjectDisposedException";

    /// <inheritdoc/>
    public string Name => "classifier-dispose";

    /// <inheritdoc/>
    public Action<string>? RunFile => null;

    /// <inheritdoc/>
    public IReadOnlyList<FuzzCase> Cases { get; } =
        [.. new[] { 0, 5, 20, 60 }.Select(delay => new FuzzCase($"dispose-after-{delay}ms", "dispose race", Write, dir => Race(dir, delay), FuzzExpectation.Correct(Outcome)))];

    private static void Write(string dir)
    {
        ModelFolder.WriteValid(dir);
        File.WriteAllBytes(Path.Combine(dir, "a.png"), Images.Real(SKEncodedImageFormat.Png, 40, 40));
    }

    private static string Race(string dir, int delayMs)
    {
        var classifier = ImageClassifier.Load(dir);
        string image = Path.Combine(dir, "a.png");
        var failures = new List<Exception>();
        var threads = Enumerable.Range(0, 16).Select(_ => new Thread(() =>
        {
            try
            {
                for (int i = 0; i < 200; i++)
                {
                    classifier.Classify(image, 2);
                }
            }
            catch (ObjectDisposedException)
            {
                // The expected end of a thread that was classifying when Dispose came.
            }
            catch (Exception e)
            {
                lock (failures)
                {
                    failures.Add(e);
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        Thread.Sleep(delayMs);
        classifier.Dispose();
        threads.ForEach(t => t.Join());
        return failures.Count == 0 ? Outcome : throw new AggregateException(failures);
    }
}
