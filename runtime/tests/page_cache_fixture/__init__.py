"""A test-only app for tests/test_page_cache*.py: a Wagtail page with a form (its template
has {% csrf_token %}), and settings that add it to the bundled site's production settings."""
