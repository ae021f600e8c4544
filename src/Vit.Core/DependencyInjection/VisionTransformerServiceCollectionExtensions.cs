using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Vit.Core;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers a <see cref="VisionTransformer"/> and its validated options in a service collection.</summary>
public static class VisionTransformerServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="VisionTransformerOptions"/> configured by <paramref name="configure"/> (validated by
    /// <see cref="VisionTransformerOptionsValidator"/> at start-up) and a singleton <see cref="VisionTransformer"/>
    /// built from them. Existing registrations of the model and validator are kept.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options, e.g. <c>o => o.Depth = 12</c>.</param>
    /// <returns>The same service collection, for chaining (e.g. <c>.AddVitTrainer(...)</c>).</returns>
    public static IServiceCollection AddVisionTransformer(this IServiceCollection services, Action<VisionTransformerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<VisionTransformerOptions>().Configure(configure).ValidateOnStart();
        return AddCore(services);
    }

    /// <summary>
    /// Adds <see cref="VisionTransformerOptions"/> bound from <paramref name="configuration"/> (a section whose keys
    /// are the option names, e.g. <c>"Depth": 12</c>), validated at start-up, and a singleton <see cref="VisionTransformer"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The configuration section to bind.</param>
    /// <returns>The same service collection, for chaining.</returns>
    public static IServiceCollection AddVisionTransformer(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<VisionTransformerOptions>().Bind(configuration).ValidateOnStart();
        return AddCore(services);
    }

    private static IServiceCollection AddCore(IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<VisionTransformerOptions>, VisionTransformerOptionsValidator>());
        services.TryAddSingleton(provider => new VisionTransformer(provider.GetRequiredService<IOptions<VisionTransformerOptions>>().Value));
        return services;
    }
}
