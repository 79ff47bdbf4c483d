// Whether a program declares its own entry point, judged the same way by the generator (which then adds no Main)
// and the analyzer (which then checks that entry point runs the pipelines, SOP105).
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace StepOperator.Roslyn;

internal static class EntryPointSyntax
{
    /// <summary>
    /// Whether the tree has top-level statements or a static method named Main in a type. Only declarations are
    /// visited, never method bodies, so a cold build pays little for it.
    /// </summary>
    public static bool Declares(SyntaxNode node)
    {
        foreach (var child in node.ChildNodes())
        {
            switch (child)
            {
                case GlobalStatementSyntax:
                case MethodDeclarationSyntax { Identifier.ValueText: "Main" } method when method.Modifiers.Any(SyntaxKind.StaticKeyword):
                    return true;
                case BaseNamespaceDeclarationSyntax or TypeDeclarationSyntax when Declares(child):
                    return true;
            }
        }

        return false;
    }
}
