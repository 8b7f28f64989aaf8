"""administer"""
