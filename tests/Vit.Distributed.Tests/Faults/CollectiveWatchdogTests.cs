using System.Collections.Concurrent;
using FluentAssertions;
using Vit.Distributed.Faults;
using Xunit;

namespace Vit.Distributed.Tests.Faults;

public sealed class CollectiveWatchdogTests
{
    private static readonly CollectiveCall Reduce = new("MPI_Allreduce", 10_700_000, "float32");

    [Fact]
    public void Enter_CallOutlastsTheTimeout_ReportsItOnceWithHowLongItWaited()
    {
        var reports = new BlockingCollection<(CollectiveCall Call, TimeSpan Waited)>();
        using var watchdog = new CollectiveWatchdog(TimeSpan.FromMilliseconds(100), (call, waited) => reports.Add((call, waited)));

        watchdog.Enter(Reduce);

        reports.TryTake(out var report, TimeSpan.FromSeconds(10)).Should().BeTrue("the call waited past its timeout");
        report.Call.Should().Be(Reduce);
        report.Waited.Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(100));
        reports.TryTake(out _, TimeSpan.FromMilliseconds(400)).Should().BeFalse("each call is reported once");
        watchdog.Exit();
    }

    [Fact]
    public void Exit_BeforeTheTimeout_ReportsNothing()
    {
        int reports = 0;
        using var watchdog = new CollectiveWatchdog(TimeSpan.FromMilliseconds(300), (_, _) => Interlocked.Increment(ref reports));

        for (int i = 0; i < 20; i++)
        {
            watchdog.Enter(Reduce);
            Thread.Sleep(10);
            watchdog.Exit();
        }

        Thread.Sleep(600);
        reports.Should().Be(0, "every call returned within 300 ms, and nothing waits after the last");
    }

    [Fact]
    public void Enter_TimeoutCountsFromEachCallsStart()
    {
        var reports = new BlockingCollection<CollectiveCall>();
        using var watchdog = new CollectiveWatchdog(TimeSpan.FromMilliseconds(400), (call, _) => reports.Add(call));
        watchdog.Enter(new CollectiveCall("MPI_Barrier", 0, string.Empty));
        Thread.Sleep(250);
        watchdog.Exit();

        watchdog.Enter(Reduce);
        Thread.Sleep(250);

        reports.Should().BeEmpty("neither call has waited 400 ms yet");
        reports.TryTake(out var late, TimeSpan.FromSeconds(10)).Should().BeTrue();
        late.Should().Be(Reduce);
    }

    [Fact]
    public void Current_ShowsTheCallInProgressOnly()
    {
        using var watchdog = new CollectiveWatchdog(TimeSpan.FromMinutes(1), (_, _) => { });

        watchdog.Current.Should().BeNull();
        watchdog.Enter(Reduce);
        Thread.Sleep(20);
        var current = watchdog.Current;
        current.Should().NotBeNull();
        current!.Value.Call.Should().Be(Reduce);
        current.Value.Elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(15));
        watchdog.Exit();
        watchdog.Current.Should().BeNull();
    }

    [Fact]
    public void Describe_NamesFunctionCountAndType()
    {
        Reduce.Describe().Should().Be("MPI_Allreduce of 10,700,000 float32");
        new CollectiveCall("MPI_Barrier", 0, string.Empty).Describe().Should().Be("MPI_Barrier");
        new CollectiveCall("MPI_Bcast", 0, "bytes").Describe().Should().Be("MPI_Bcast of 0 bytes");
    }
}
