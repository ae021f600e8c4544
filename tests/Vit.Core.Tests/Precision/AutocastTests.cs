using FluentAssertions;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Core.Tests.Precision;

/// <summary>The scope's semantics: nesting, off, async flow, bad dtypes (no libtorch work, but kept with the torch tests for the shared state).</summary>
[Collection(TorchTestGroup.Name)]
public sealed class AutocastTests
{
    [Fact]
    public void Enable_Nested_InnermostWinsAndDisposeRestoresTheOuter()
    {
        Autocast.IsEnabled.Should().BeFalse();
        using (Autocast.Enable(ScalarType.BFloat16))
        {
            Autocast.Dtype.Should().Be(ScalarType.BFloat16);
            using (Autocast.Enable(ScalarType.Float32))
            {
                Autocast.IsEnabled.Should().BeFalse("Float32 turns autocast off, like autocast(enabled=False)");
                Autocast.Dtype.Should().BeNull();
                using (Autocast.Enable(ScalarType.Float16))
                {
                    Autocast.Dtype.Should().Be(ScalarType.Float16);
                }

                Autocast.IsEnabled.Should().BeFalse();
            }

            Autocast.Dtype.Should().Be(ScalarType.BFloat16);
        }

        Autocast.IsEnabled.Should().BeFalse();
    }

    [Fact]
    public void Dispose_Twice_RestoresOnlyOnce()
    {
        using var outer = Autocast.Enable(ScalarType.BFloat16);
        var inner = Autocast.Enable(ScalarType.Float16);
        inner.Dispose();
        using var third = Autocast.Enable(ScalarType.Float32);

        inner.Dispose();

        Autocast.IsEnabled.Should().BeFalse("the second Dispose of a finished scope must not bring BFloat16 back over the Float32 scope");
    }

    [Fact]
    public async Task Enable_FlowsIntoTasksButNotIntoOtherFlows()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var checkedOutside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ScalarType? inTask = null, inChild = null;
        var task = Task.Run(async () =>
        {
            using (Autocast.Enable(ScalarType.BFloat16))
            {
                inTask = Autocast.Dtype;
                inChild = await Task.Run(() => Autocast.Dtype);
                entered.SetResult();
                await checkedOutside.Task;
            }
        });

        await entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        bool enabledHere = Autocast.IsEnabled;
        checkedOutside.SetResult();
        await task.WaitAsync(TimeSpan.FromSeconds(30));

        inTask.Should().Be(ScalarType.BFloat16);
        inChild.Should().Be(ScalarType.BFloat16, "a task started inside the scope inherits it");
        enabledHere.Should().BeFalse("another flow's scope does not leak into this one");
    }

    [Theory]
    [InlineData(ScalarType.Int64, "Autocast.Enable(Int64): Int64 is an integer type: autocast casts floating-point weights and activations. Use ScalarType.BFloat16 or ScalarType.Float16 to run matrix products in lower precision, or ScalarType.Float32 to turn autocast off.")]
    [InlineData(ScalarType.Int32, "Autocast.Enable(Int32): Int32 is an integer type: autocast casts floating-point weights and activations. Use ScalarType.BFloat16 or ScalarType.Float16 to run matrix products in lower precision, or ScalarType.Float32 to turn autocast off.")]
    [InlineData(ScalarType.Byte, "Autocast.Enable(Byte): Byte is an integer type: autocast casts floating-point weights and activations. Use ScalarType.BFloat16 or ScalarType.Float16 to run matrix products in lower precision, or ScalarType.Float32 to turn autocast off.")]
    [InlineData(ScalarType.Float64, "Autocast.Enable(Float64): Float64 is wider than the fp32 weights, not a lower precision. Use ScalarType.BFloat16 or ScalarType.Float16 to run matrix products in lower precision, or ScalarType.Float32 to turn autocast off.")]
    public void Enable_UnsupportedDtype_ThrowsNamingTheValueAndLeavesTheSettingAlone(ScalarType dtype, string message)
    {
        using var outer = Autocast.Enable(ScalarType.BFloat16);

        var thrown = FluentActions.Invoking(() => Autocast.Enable(dtype)).Should().Throw<ArgumentOutOfRangeException>().Which;

        thrown.ParamName.Should().Be("dtype");
        thrown.Message.Should().StartWith(message);
        Autocast.Dtype.Should().Be(ScalarType.BFloat16);
    }
}
