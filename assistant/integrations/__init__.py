"""The assistant inside other frameworks (LangChain)."""
