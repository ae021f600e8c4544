using Microsoft.Extensions.Logging;

namespace Vit.Training.Tests;

/// <summary>Collects progress reports synchronously (System.Progress posts them to the thread pool).</summary>
internal sealed class ListProgress<T> : IProgress<T>
{
    public List<T> Reports { get; } = [];

    public void Report(T value) => Reports.Add(value);
}

/// <summary>Collects log events.</summary>
internal sealed class ListLogger<T> : ILogger<T>
{
    public List<(LogLevel Level, EventId Id, string Message)> Events { get; } = [];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Events.Add((logLevel, eventId, formatter(state, exception)));
}
