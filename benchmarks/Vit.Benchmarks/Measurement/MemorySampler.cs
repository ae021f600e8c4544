using System.Diagnostics;
using System.Globalization;

namespace Vit.Benchmarks.Measurement;

/// <summary>
/// Samples resident memory (<c>/proc/self/statm</c>) and glibc's bytes in use (<c>mallinfo2</c>) on a background thread
/// every few milliseconds and keeps each one's maximum per named phase: the in-use peak is what live tensors needed, the
/// resident peak adds the heap's free holes (fragmentation) on top.
/// </summary>
internal sealed class MemorySampler : IDisposable
{
    private static readonly long PageSize = Environment.SystemPageSize;
    private readonly Thread _thread;
    private readonly int _intervalMs;
    private readonly object _gate = new();
    private readonly List<(string Phase, double RssMb, double InUseMb)> _maxima = [];
    private readonly List<(double Seconds, string Phase, double RssMb, double InUseMb)> _timeline = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private volatile bool _stopping;
    private string _phase = "start";
    private double _rssMax;
    private double _inUseMax;

    public MemorySampler(int intervalMs = 2)
    {
        _intervalMs = intervalMs;
        _thread = new Thread(Loop) { IsBackground = true, Name = "memory-sampler", Priority = ThreadPriority.AboveNormal };
        _thread.Start();
    }

    /// <summary>Closes the current phase (sampling once more) and starts <paramref name="name"/>.</summary>
    public void Phase(string name)
    {
        Sample();
        lock (_gate)
        {
            _maxima.Add((_phase, _rssMax, _inUseMax));
            _phase = name;
            _rssMax = 0;
            _inUseMax = 0;
        }

        Sample();
    }

    /// <summary>Gets each finished phase's maximum resident and in-use memory, in MiB, in order.</summary>
    public IReadOnlyList<(string Phase, double RssMb, double InUseMb)> Maxima
    {
        get
        {
            lock (_gate)
            {
                return [.. _maxima];
            }
        }
    }

    /// <summary>Formats the finished phases as one line of <c>phase=rss/in-use</c> pairs.</summary>
    public string Describe() => string.Join(' ', Maxima.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Phase}={m.RssMb:F0}/{m.InUseMb:F0}")));

    public void Dispose()
    {
        _stopping = true;
        _thread.Join();
    }

    /// <summary>Writes every sample (seconds since start, phase, resident MiB, in-use MiB) as CSV.</summary>
    public void WriteTimeline(string path)
    {
        lock (_gate)
        {
            File.WriteAllLines(path, ["seconds,phase,rss_mb,in_use_mb", .. _timeline.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Seconds:F3},{s.Phase},{s.RssMb:F1},{s.InUseMb:F1}"))]);
        }
    }

    private void Loop()
    {
        while (!_stopping)
        {
            Sample();
            Thread.Sleep(_intervalMs);
        }
    }

    private void Sample()
    {
        double rss = ReadRssMb();
        double inUse = NativeHeap.Read()?.InUseMb ?? 0;
        lock (_gate)
        {
            _rssMax = Math.Max(_rssMax, rss);
            _inUseMax = Math.Max(_inUseMax, inUse);
            _timeline.Add((_clock.Elapsed.TotalSeconds, _phase, rss, inUse));
        }
    }

    private static double ReadRssMb()
    {
        try
        {
            // "size resident shared text lib data dt", in pages.
            string[] fields = File.ReadAllText("/proc/self/statm").Split(' ');
            return long.Parse(fields[1], CultureInfo.InvariantCulture) * PageSize / (1024.0 * 1024.0);
        }
        catch (IOException)
        {
            return ResidentMemory.CurrentMb();
        }
    }
}
