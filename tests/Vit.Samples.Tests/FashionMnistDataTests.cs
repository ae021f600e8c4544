using FluentAssertions;
using Vit.Data;
using Vit.Samples.FashionMnist;
using Xunit;
using Dataset = Vit.Data.FashionMnist;

namespace Vit.Samples.Tests;

[Collection(TorchTestGroup.Name)]
public sealed class FashionMnistDataTests
{
    private static string Shipped => TestFiles.InRepository(ShippedFashionMnist.RelativeDirectory);

    [Fact]
    public void Load_ShippedWithoutValidation_TrainsOn8000AndHoldsOut2000()
    {
        using var data = FashionMnistData.Load(null, null);

        (data.Train.Count, data.Test.Count, data.IsValidation, data.TestName).Should().Be((8000, 2000, false, "Held-out"));
    }

    [Fact]
    public void Load_ShippedWithValidation_CarvesEachClassOfTheTrainingSideOnly()
    {
        using var shipped = Dataset.LoadTest(Shipped);
        var (train8000, heldOut2000) = ShippedFashionMnist.Split(shipped);

        using var data = FashionMnistData.Load(null, null, validationFraction: 0.2);

        data.IsValidation.Should().BeTrue();
        data.TestName.Should().Be("Validation");
        data.Train.Count.Should().Be(6400);
        data.Test.Count.Should().Be(1600);
        data.Train.CountPerClass().Should().OnlyContain(c => c == 640);
        data.Test.CountPerClass().Should().OnlyContain(c => c == 160);
        var train = (SubsetDataset)data.Train;
        var validation = (SubsetDataset)data.Test;
        // Both index into the 8,000 training images: together exactly those, apart from each other.
        train.Indices.Concat(validation.Indices).Should().BeEquivalentTo(Enumerable.Range(0, 8000));
        // ... and they are those images, never one of the 2,000 held out (compared by pixels and label).
        using var fromRun = validation.GetBatch([0, 1599]).Images;
        using var fromTrainingSide = train8000.GetBatch([validation.Indices[0], validation.Indices[1599]]).Images;
        fromRun.equal(fromTrainingSide).all().item<bool>().Should().BeTrue();
        data.Description.Should().Contain("6,400 to train and 1,600 to validate on").And.Contain("the test images are not used");
        heldOut2000.Count.Should().Be(2000);
    }

    [Fact]
    public void Load_ValidationSplit_IsTheSameEveryTime()
    {
        using var first = FashionMnistData.Load(null, null, validationFraction: 0.2);
        using var second = FashionMnistData.Load(null, null, validationFraction: 0.2);

        ((SubsetDataset)second.Test).Indices.Should().Equal(((SubsetDataset)first.Test).Indices);
    }

    [Fact]
    public void Load_FullSetWithValidation_NeverReadsTheTestFiles()
    {
        using var dir = new TempDirectory();
        // A "full set" whose training files are the shipped 10,000 images and whose test files are not IDX at all.
        File.Copy(Path.Combine(Shipped, "t10k-images-idx3-ubyte.gz"), Path.Combine(dir.Path, "train-images-idx3-ubyte.gz"));
        File.Copy(Path.Combine(Shipped, "t10k-labels-idx1-ubyte.gz"), Path.Combine(dir.Path, "train-labels-idx1-ubyte.gz"));
        File.WriteAllText(Path.Combine(dir.Path, "t10k-images-idx3-ubyte.gz"), "not an IDX file");
        File.WriteAllText(Path.Combine(dir.Path, "t10k-labels-idx1-ubyte.gz"), "not an IDX file");

        using (var data = FashionMnistData.Load(dir.Path, null, validationFraction: 0.1))
        {
            (data.Train.Count, data.Test.Count, data.IsValidation).Should().Be((9000, 1000, true));
            data.Test.CountPerClass().Should().OnlyContain(c => c == 100);
        }

        var withTest = () => FashionMnistData.Load(dir.Path, null);
        withTest.Should().Throw<Exception>().Which.Message.Should().StartWith("--data: the Fashion-MNIST files could not be read");
    }
}
